import { isRegistration, type BatchResult, type ImportCommand } from './import-commands.js';

/**
 * What became of one command: `created` (201, accepted), `replayed` (200, an earlier run's or
 * retry's answer), `existing` (a registration of an id already taken, or a retraction already
 * made), `corroborating` and `conflicting` (201, a capture or retreat recorded with that
 * standing), `valid` (a dry run's command that passed the local checks) or `refused:<CODE>`.
 */
export type Outcome = 'created' | 'replayed' | 'existing' | 'corroborating' | 'conflicting' | 'valid' | `refused:${string}`;

/** The outcomes that mean the data is in the timeline (or, in a dry run, would be sent). */
const LANDED: ReadonlySet<string> = new Set(['created', 'replayed', 'existing', 'corroborating', 'conflicting', 'valid']);

export interface Classified {
  readonly outcome: Outcome;
  /** Set for outcomes that keep the import going but deserve a note. */
  readonly warning?: string;
}

export function classifyResult(command: ImportCommand, result: BatchResult): Classified {
  if (result.status === 201) {
    if (result.standing === 'corroborating' || result.standing === 'conflicting') return { outcome: result.standing };
    return { outcome: 'created' };
  }
  if (result.status === 200) return { outcome: 'replayed' };
  const code = result.code ?? `HTTP_${result.status}`;
  if (code === 'ALREADY_EXISTS' && (isRegistration(command) || command.role === 'retract')) return { outcome: 'existing' };
  // An earlier run registered this id from a differently spelt row: the registration stands.
  if (code === 'IDEMPOTENCY_KEY_REUSED' && isRegistration(command)) return { outcome: 'existing', warning: 'REGISTRATION_DIFFERS' };
  return { outcome: `refused:${code}` };
}

/** Counts by outcome, skip type and warning, in the order they first occur. */
export class ImportTally {
  records = 0;
  readonly outcomes = new Map<string, number>();
  readonly skipped = new Map<string, number>();
  readonly warnings = new Map<string, number>();

  count(outcome: Outcome): void {
    bump(this.outcomes, outcome);
  }

  skip(type: string): void {
    bump(this.skipped, type);
  }

  warn(code: string): void {
    bump(this.warnings, code);
  }

  /** Commands whose data is in the timeline: created, replayed, existing, corroborating, conflicting (or valid). */
  landed(): number {
    let total = 0;
    for (const [outcome, n] of this.outcomes) if (LANDED.has(outcome)) total += n;
    return total;
  }

  lines(): string[] {
    const rows: [string, number][] = [];
    for (const outcome of ['created', 'replayed', 'existing', 'corroborating', 'conflicting', 'valid']) {
      const n = this.outcomes.get(outcome);
      if (n !== undefined) rows.push([outcome, n]);
    }
    for (const [outcome, n] of [...this.outcomes].filter(([o]) => !LANDED.has(o)).sort()) rows.push([outcome, n]);
    for (const [type, n] of [...this.skipped].sort()) rows.push([`skipped:${type}`, n]);
    for (const [code, n] of [...this.warnings].sort()) rows.push([`warning:${code}`, n]);
    const width = Math.max(0, ...rows.map(([label]) => label.length));
    return rows.map(([label, n]) => `  ${label.padEnd(width)}  ${n.toLocaleString('en-US').padStart(9)}`);
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
