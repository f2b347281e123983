/** What the summary needs of one position. */
export interface WeightedControl {
  readonly weight: number;
  readonly controller: string | null;
  readonly contested: boolean;
}

export interface ControlSummary {
  /** Per actor holding anything: its share of the neighbourhood's total weight, keys sorted. */
  readonly shares: Record<string, number>;
  /** Per side holding anything, likewise. */
  readonly sideShares: Record<string, number>;
  /** The actor holding strictly more than half of the total weight, else null. */
  readonly majorityController: string | null;
  readonly contestedPositions: number;
}

/** The side an actor whose registration is missing is counted under. */
export const UNKNOWN_SIDE = 'unknown';

/**
 * Weights are decimals, so sums carry rounding error: a holding within this relative distance of
 * exactly one half is a half, which is not a majority.
 */
const HALF_TOLERANCE = 1e-9;

/**
 * The control arithmetic. Uncontrolled positions count in the total weight and in nobody's
 * share, so shares may add up to less than 1.
 */
export function summarizeControl(
  positions: readonly WeightedControl[],
  sideOf: (actorId: string) => string | undefined,
): ControlSummary {
  let total = 0;
  let contestedPositions = 0;
  const byActor = new Map<string, number>();
  for (const position of positions) {
    total += position.weight;
    if (position.contested) contestedPositions += 1;
    if (position.controller !== null) byActor.set(position.controller, (byActor.get(position.controller) ?? 0) + position.weight);
  }
  const bySide = new Map<string, number>();
  for (const [actor, weight] of byActor) {
    const side = sideOf(actor) ?? UNKNOWN_SIDE;
    bySide.set(side, (bySide.get(side) ?? 0) + weight);
  }
  let majorityController: string | null = null;
  for (const [actor, weight] of byActor) {
    if (2 * weight - total > HALF_TOLERANCE * total) majorityController = actor;
  }
  return {
    shares: fractions(byActor, total),
    sideShares: fractions(bySide, total),
    majorityController,
    contestedPositions,
  };
}

function fractions(weights: ReadonlyMap<string, number>, total: number): Record<string, number> {
  const result: Record<string, number> = {};
  if (total <= 0) return result;
  for (const key of [...weights.keys()].sort()) result[key] = weights.get(key)! / total;
  return result;
}
