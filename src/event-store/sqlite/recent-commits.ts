/** What the store keeps of a committed event: its row, data and metadata as stored text. */
export interface CommittedRow {
  readonly position: number;
  readonly data: string;
  readonly metadata: string;
}

/**
 * The rows this instance committed last, as one run of consecutive positions. A subscriber that
 * keeps up takes what was just committed from here instead of asking the file again: a query
 * right after a commit costs tens of microseconds even for one row, once per commit and per
 * subscriber. Another connection's commit leaves a gap in the positions, and the run starts
 * afresh after it; a span is answered from here only when the run holds every position of it.
 * Bounded by rows and by the text they hold, oldest dropped first.
 */
export class RecentCommits<Row extends CommittedRow> {
  private rows: Row[] = [];
  /** Index in `rows` of the oldest row kept. */
  private first = 0;
  private chars = 0;

  constructor(
    private readonly maxRows: number,
    private readonly maxChars: number,
  ) {}

  /** A row just committed; rows come in position order. */
  add(row: Row): void {
    const last = this.rows.length > this.first ? this.rows[this.rows.length - 1]! : undefined;
    if (last !== undefined && row.position !== last.position + 1) this.clear();
    this.rows.push(row);
    this.chars += row.data.length + row.metadata.length;
    while (this.rows.length - this.first > this.maxRows || (this.chars > this.maxChars && this.rows.length - this.first > 0)) {
      const dropped = this.rows[this.first]!;
      this.chars -= dropped.data.length + dropped.metadata.length;
      this.first += 1;
    }
    if (this.first > this.maxRows) {
      this.rows = this.rows.slice(this.first);
      this.first = 0;
    }
  }

  /** Every row with a position in (after, until], oldest first; undefined unless all of them are held. */
  span(after: number, until: number): readonly Row[] | undefined {
    if (this.rows.length === this.first || until <= after) return undefined;
    const oldest = this.rows[this.first]!.position;
    const newest = this.rows[this.rows.length - 1]!.position;
    if (after + 1 < oldest || until > newest) return undefined;
    const start = this.first + (after + 1 - oldest);
    return this.rows.slice(start, start + (until - after));
  }

  /** Forgets every row: the next one added starts a new run. */
  clear(): void {
    this.rows = [];
    this.first = 0;
    this.chars = 0;
  }
}
