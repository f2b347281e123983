/**
 * Every instant an answer writes is UTC with milliseconds (`2018-04-18T06:00:00.000Z`), whatever
 * zone or precision it was sent or recorded in; only the raw events show event data as stored.
 */
export function utcMs(instant: string): string {
  return new Date(Date.parse(instant)).toISOString();
}

/** `utcMs`, keeping null. */
export function utcMsOrNull(instant: string | null): string | null {
  return instant === null ? null : utcMs(instant);
}
