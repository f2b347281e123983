/**
 * A least-recently-used cache of folded stream states, bounded by the events they hold rather
 * than by their count. Deciding on a stream must not refold it per command: a cached entry is
 * brought up to date by reading only the events appended since it was folded. A count bound
 * lets a few long streams hold unbounded memory and makes many short ones (an import spread
 * over thousands of places) miss on every command; a budget of events bounds both.
 */
export class StreamCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly weight: number }>();
  private weight = 0;

  /** `weigh` gives an entry's cost in events, read each time the entry is set. */
  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Re-inserting moves the key to the young end of the Map's insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Keeps the value as the youngest entry, then evicts the oldest until the budget holds. The
   * youngest is always kept, even alone over the budget: deciding on a stream needs it folded in
   * memory anyway. An entry over the budget is therefore kept only until another one is set.
   */
  set(key: string, value: V): void {
    this.delete(key);
    const weight = Math.max(1, this.weigh(value));
    this.entries.set(key, { value, weight });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.weight <= this.maxWeight || oldest === key) break;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.weight -= entry.weight;
  }
}
