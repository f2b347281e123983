import type { LiveMessage } from './live-message.js';

/** What a stream or a webhook asks for; an absent list lets every value through. */
export interface LiveFilterSpec {
  readonly neighbourhoods?: readonly string[];
  readonly types?: readonly string[];
  readonly cities?: readonly string[];
}

/**
 * OR within one list, AND across lists. `types` names event types or `control`. An actor
 * registration belongs to no neighbourhood: it passes only when neither neighbourhoods nor
 * cities are asked for.
 */
export class LiveFilter {
  private readonly neighbourhoods: ReadonlySet<string> | undefined;
  private readonly types: ReadonlySet<string> | undefined;
  private readonly cities: ReadonlySet<string> | undefined;

  constructor(spec: LiveFilterSpec) {
    this.neighbourhoods = setOf(spec.neighbourhoods);
    this.types = setOf(spec.types);
    this.cities = setOf(spec.cities);
  }

  matches(message: LiveMessage): boolean {
    if (this.types !== undefined && !this.types.has(message.event)) return false;
    if (this.neighbourhoods === undefined && this.cities === undefined) return true;
    if (message.neighbourhoodId === undefined) return false;
    if (this.neighbourhoods !== undefined && !this.neighbourhoods.has(message.neighbourhoodId)) return false;
    return this.cities === undefined || (message.city !== undefined && this.cities.has(message.city));
  }
}

/** An empty list is as good as none: `?type=` alone asks for nothing in particular. */
function setOf(values: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return values === undefined || values.length === 0 ? undefined : new Set(values);
}
