import type Database from 'better-sqlite3';
import { perConnection } from '../prepared-statements.js';

export interface CasualtyTotals {
  readonly actor: string | null;
  readonly killed: { readonly low: number; readonly best: number; readonly high: number };
  readonly wounded: { readonly low: number; readonly best: number; readonly high: number };
  readonly reports: number;
}

interface TotalsRow {
  readonly actor: string | null;
  readonly killedLow: number;
  readonly killedBest: number;
  readonly killedHigh: number;
  readonly woundedLow: number;
  readonly woundedBest: number;
  readonly woundedHigh: number;
  readonly reports: number;
}

/**
 * Sums per actor (null: reports that name none) of the casualty reports of a neighbourhood that
 * occurred in [from, to] and were recorded by knownAt, leaving out those retracted or refuted by
 * then. A missing low or high counts as the best figure; a report without wounded counts none.
 */
const TOTALS_SQL = `
  SELECT c.actor,
         total(coalesce(c.killed_low, c.killed_best)) AS killedLow,
         total(c.killed_best) AS killedBest,
         total(coalesce(c.killed_high, c.killed_best)) AS killedHigh,
         total(coalesce(c.wounded_low, c.wounded_best)) AS woundedLow,
         total(c.wounded_best) AS woundedBest,
         total(coalesce(c.wounded_high, c.wounded_best)) AS woundedHigh,
         count(*) AS reports
  FROM casualties AS c
  WHERE c.neighbourhood_id = @neighbourhoodId AND c.occurred_at_ms BETWEEN @fromMs AND @toMs AND c.recorded_at_ms <= @knownAtMs
    AND NOT EXISTS (SELECT 1 FROM retractions AS x WHERE x.event_id = c.event_id AND x.recorded_at_ms <= @knownAtMs)
    AND coalesce((SELECT a.status FROM assessments AS a WHERE a.event_id = c.event_id AND a.recorded_at_ms <= @knownAtMs
                  ORDER BY a.log_position DESC LIMIT 1), 'unverified') <> 'refuted'
  GROUP BY c.actor
  ORDER BY c.actor IS NULL, c.actor`;

const totals = perConnection((db) => db.prepare<[Record<string, number | string>], TotalsRow>(TOTALS_SQL));

/** Casualty totals of a neighbourhood per actor, actors by id, the reports naming none last. */
export function casualtyTotals(
  db: Database.Database,
  neighbourhoodId: string,
  bounds: { readonly fromMs: number; readonly toMs: number; readonly knownAtMs: number },
): CasualtyTotals[] {
  return totals(db).all({ neighbourhoodId, ...bounds }).map((row) => ({
    actor: row.actor,
    killed: { low: row.killedLow, best: row.killedBest, high: row.killedHigh },
    wounded: { low: row.woundedLow, best: row.woundedBest, high: row.woundedHigh },
    reports: row.reports,
  }));
}
