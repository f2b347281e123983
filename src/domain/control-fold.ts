/**
 * The control fold: who holds each position after a sequence of reports taken in (occurredAt,
 * log position) order, with the same effects whatever subset of reports a view lets through.
 *
 * - A capture takes a position whose controller is not the captor; on a position the captor
 *   holds it is a no-op.
 * - A retreat leaves a position its actor holds to `yieldedTo` (or nobody); elsewhere it is a
 *   no-op.
 * - An attack or counterattack contests its targets; a contest on a position ends only where
 *   the fold changes its controller.
 * - A report that folds nowhere (every position a no-op) is skipped: ALREADY_CONTROLLED for a
 *   capture, NOT_CONTROLLED for a retreat.
 * - Evidence for a position: the report that set its controller, plus every later report that
 *   asserts the same controller for it and counts as evidence in the view. A position held since
 *   the baseline has none.
 */

/** What one report says of one position. */
export interface PositionClaim {
  readonly eventId: string;
  readonly type: 'PositionCaptured' | 'ForcesRetreated';
  /** The captor or the retreating actor. */
  readonly actor: string;
  /** Who holds the position after it, as it claims. */
  readonly controller: string | null;
  readonly occurredAt: string;
}

/** Where a position stands in a fold. */
export interface PositionStanding {
  readonly controller: string | null;
  /** When `controller` took it (the baseline instant for the baseline holder). */
  readonly since: string | null;
  /** The report that made `controller` hold it; null at the baseline. */
  readonly eventId: string | null;
}

export interface FoldedPosition extends PositionStanding {
  readonly contested: boolean;
  /** The distinct attackers of the open contests, sorted. */
  readonly contestedBy: readonly string[];
  /** The reports behind `controller`, setter first, in fold order. */
  readonly evidence: readonly string[];
}

/** One position's fold. */
export class PositionFold {
  private controller: string | null;
  private since: string | null;
  private eventId: string | null;
  private readonly contests: (readonly string[])[] = [];
  private readonly evidence: string[] = [];

  constructor(start: PositionStanding) {
    this.controller = start.controller;
    this.since = start.since;
    this.eventId = start.eventId;
  }

  get holder(): string | null {
    return this.controller;
  }

  /**
   * A claim that folds: applies it and returns whether it changed the controller. `evidence`
   * says whether it also counts as evidence in this view (a folding report always does).
   */
  fold(claim: PositionClaim): boolean {
    if (!applies(this.controller, claim)) {
      this.witness(claim);
      return false;
    }
    this.controller = claim.controller;
    this.since = claim.occurredAt;
    this.eventId = claim.eventId;
    this.contests.length = 0;
    this.evidence.length = 0;
    this.evidence.push(claim.eventId);
    return true;
  }

  /** A claim that does not fold but counts as evidence in this view. */
  witness(claim: PositionClaim): void {
    if (this.eventId !== null && claim.controller === this.controller) this.evidence.push(claim.eventId);
  }

  /** An attack or counterattack that folds, by these attackers. */
  contest(attackers: readonly string[]): void {
    this.contests.push(attackers);
  }

  result(): FoldedPosition {
    return {
      controller: this.controller,
      since: this.since,
      eventId: this.eventId,
      contested: this.contests.length > 0,
      contestedBy: [...new Set(this.contests.flat())].sort(),
      evidence: [...this.evidence],
    };
  }
}

/** Whether a claim changes the controller of a position held by `holder`. */
export function applies(holder: string | null, claim: Pick<PositionClaim, 'type' | 'actor'>): boolean {
  return claim.type === 'PositionCaptured' ? holder !== claim.actor : holder === claim.actor;
}

/** A report as a view's fold takes it. */
export type FoldReport =
  | {
      readonly kind: 'claim';
      readonly eventId: string;
      readonly type: 'PositionCaptured' | 'ForcesRetreated';
      readonly actor: string;
      readonly controller: string | null;
      readonly occurredAt: string;
      readonly positionIds: readonly string[];
      /** It folds in this view; otherwise it only counts as evidence (when `evidence`). */
      readonly folds: boolean;
      readonly evidence: boolean;
    }
  | {
      readonly kind: 'contest';
      readonly eventId: string;
      readonly attackers: readonly string[];
      readonly positionIds: readonly string[];
      readonly folds: boolean;
    };

export interface SkippedReport {
  readonly eventId: string;
  readonly code: 'ALREADY_CONTROLLED' | 'NOT_CONTROLLED';
}

/**
 * Folds reports, already in (occurredAt, log position) order, over every position from where it
 * starts. Reports on positions not listed are ignored there.
 */
export function foldReports(
  starts: ReadonlyMap<string, PositionStanding>,
  reports: Iterable<FoldReport>,
): { readonly positions: Map<string, FoldedPosition>; readonly skipped: SkippedReport[] } {
  const folds = new Map<string, PositionFold>();
  for (const [id, start] of starts) folds.set(id, new PositionFold(start));
  const skipped: SkippedReport[] = [];
  for (const report of reports) {
    if (report.kind === 'contest') {
      if (!report.folds) continue;
      for (const id of report.positionIds) folds.get(id)?.contest(report.attackers);
      continue;
    }
    const claim: PositionClaim = report;
    if (!report.folds) {
      if (report.evidence) for (const id of report.positionIds) folds.get(id)?.witness(claim);
      continue;
    }
    let applied = false;
    for (const id of report.positionIds) {
      const fold = folds.get(id);
      if (fold !== undefined && fold.fold(claim)) applied = true;
    }
    if (!applied) skipped.push({ eventId: report.eventId, code: report.type === 'PositionCaptured' ? 'ALREADY_CONTROLLED' : 'NOT_CONTROLLED' });
  }
  const positions = new Map<string, FoldedPosition>();
  for (const [id, fold] of folds) positions.set(id, fold.result());
  return { positions, skipped };
}
