import { LIMITS } from '../features/input-limits.js';
import { actorDefaults } from './actor-sides.js';
import { rowKey, type DatasetFormat, type ImportRow, type OutletCitation } from './dataset-format.js';
import type {
  ImportActorKind,
  ImportCommand,
  Rating,
  RegisterActorBody,
  ReportBody,
  SourceBody,
} from './import-commands.js';
import { actorId, cutAtWord } from './import-text.js';
import { precisionWindowStart, startOfDay } from './import-time.js';
import type { ActorOverride, RatingOverrides } from './mapping-file.js';

export const DEFAULT_DATASET_RATING: Rating = { reliability: 'B', credibility: 2 };
export const DEFAULT_OUTLET_RATING: Rating = { reliability: 'F', credibility: 6 };

export interface ResolvedActor {
  readonly id: string;
  readonly kind?: ImportActorKind;
  readonly registration: RegisterActorBody;
  /** The dataset's name was longer than the server takes, and the registration's is cut. */
  readonly nameCut?: true;
}

/**
 * A dataset actor as the timeline knows it: the mapping file's override first, then the
 * default side table, then the row's own actor type (ACLED inter1/inter2).
 */
export function resolveActor(name: string, kindFromRow: ImportActorKind | undefined, override: ActorOverride | undefined): ResolvedActor {
  const defaults = actorDefaults(name);
  const id = override?.id ?? defaults.id ?? actorId(name);
  const kind = override?.kind ?? defaults.kind ?? kindFromRow;
  const registration: RegisterActorBody = {
    id,
    name: cutAtWord(name, LIMITS.nameLength),
    side: override?.side ?? defaults.side,
    ...(kind !== undefined ? { kind } : {}),
  };
  return { id, ...(kind !== undefined ? { kind } : {}), registration, ...(name.length > LIMITS.nameLength ? { nameCut: true as const } : {}) };
}

/** Resolves dataset actor names, once per name and row-stated kind. */
export type ActorResolver = (name: string, kindFromRow: ImportActorKind | undefined) => ResolvedActor;

export function actorResolver(overrides: ReadonlyMap<string, ActorOverride>): ActorResolver {
  const known = new Map<string, ResolvedActor>();
  return (name, kindFromRow) => {
    const key = `${kindFromRow ?? ''}|${name}`;
    let resolved = known.get(key);
    if (resolved === undefined) {
      resolved = resolveActor(name, kindFromRow, overrides.get(name));
      known.set(key, resolved);
    }
    return resolved;
  };
}

/** Where the row's incident goes. */
export interface RowPlace {
  readonly neighbourhoodId: string;
  readonly positionId: string;
}

export interface RowCommands {
  /** Registrations the row's commands rely on: its actors (the place's is the caller's). */
  readonly actors: readonly ResolvedActor[];
  /** The row's incident and casualty commands, in the order they are sent. */
  readonly commands: readonly ImportCommand[];
  readonly warnings: readonly string[];
}

/**
 * The commands of one row: the incident (attack, capture or retreat) and a casualty report,
 * each with its idempotency key `<dataset>:<row id>[@<version>]:<role>`.
 */
export function rowCommands(
  format: DatasetFormat,
  row: ImportRow,
  place: RowPlace,
  resolveActorName: ActorResolver,
  ratings: RatingOverrides,
  now: number,
): RowCommands {
  const warnings = [...row.warnings];
  const actors = new Map<string, ResolvedActor>();
  const actor = (name: string): ResolvedActor => {
    let resolved = actors.get(name);
    if (resolved === undefined) {
      resolved = resolveActorName(name, row.actorKinds.get(name));
      actors.set(name, resolved);
    }
    return resolved;
  };
  const { sources, warnings: sourceWarnings } = reportSources(format, row, ratings, now);
  warnings.push(...sourceWarnings);
  const report: ReportBody = {
    occurredAt: startOfDay(row.date),
    timePrecision: row.precision,
    sources,
    ...(row.notes !== undefined ? { notes: row.notes } : {}),
  };
  const key = (role: string): string => `${format.name}:${rowKey(row)}:${role}`;
  const path = (kind: string): string => `/v1/neighbourhoods/${place.neighbourhoodId}/${kind}`;
  const commands: ImportCommand[] = [];
  const incident = row.incident;
  switch (incident.kind) {
    case 'attack': {
      const attackers = unique(incident.attackers.map((name) => actor(name).id));
      const onBothSides = (id: string): boolean => attackers.includes(id) && !isUnidentified(id, actors);
      const named = unique(incident.defenders.map((name) => actor(name).id));
      const defenders = named.filter((id) => !onBothSides(id));
      if (defenders.length < named.length) warnings.push('DEFENDER_DROPPED');
      commands.push({ role: 'attack', path: path('attacks'), idempotencyKey: key('attack'), body: { ...report, attackers, defenders } });
      break;
    }
    case 'capture':
      commands.push({
        role: 'capture',
        path: path('captures'),
        idempotencyKey: key('capture'),
        body: { ...report, by: actor(incident.by).id, positions: [place.positionId], onConflict: 'record' },
      });
      break;
    case 'retreat': {
      const by = actor(incident.by).id;
      const yieldedTo = actor(incident.yieldedTo).id;
      commands.push({
        role: 'retreat',
        path: path('retreats'),
        idempotencyKey: key('retreat'),
        body: { ...report, by, positions: [place.positionId], ...(yieldedTo !== by ? { yieldedTo } : {}), onConflict: 'record' },
      });
      break;
    }
    default: {
      const unknown: never = incident;
      return unknown;
    }
  }
  if (row.killed !== undefined) {
    commands.push({ role: 'casualties', path: path('casualties'), idempotencyKey: key('casualties'), body: { ...report, killed: row.killed } });
  }
  return { actors: [...new Map([...actors.values()].map((a) => [a.id, a])).values()], commands, warnings };
}

/** Only an actor of kind `unidentified` may stand on both sides of one attack. */
function isUnidentified(id: string, actors: ReadonlyMap<string, ResolvedActor>): boolean {
  return [...actors.values()].some((actor) => actor.id === id && actor.kind === 'unidentified');
}

/**
 * A report's sources: the dataset (its row in `reference`) first, then one `outlet` per
 * distinct outlet name, with the earliest of its dates that lies inside [the start of the
 * report's precision window, now] as `reportedAt`. Every date outside is dropped with a
 * DATE_DROPPED warning. Names are cut to 200 characters at a word; at most 50 sources.
 */
export function reportSources(
  format: DatasetFormat,
  row: ImportRow,
  ratings: RatingOverrides,
  now: number,
): { sources: SourceBody[]; warnings: string[] } {
  const warnings: string[] = [];
  const windowStart = precisionWindowStart(row.date, row.precision);
  const byName = new Map<string, { reportedAt?: number; reference?: string; rating: Rating }>();
  for (const citation of row.outlets) {
    const name = cutAtWord(citation.name, LIMITS.nameLength);
    if (name.length < citation.name.length) warnings.push('NAME_CUT');
    const outlet = byName.get(name) ?? { rating: ratings.outlets.get(citation.name) ?? ratings.outletDefault ?? DEFAULT_OUTLET_RATING };
    const at = citationInstant(citation, windowStart, now);
    if (at === 'dropped') warnings.push('DATE_DROPPED');
    else if (at !== undefined && (outlet.reportedAt === undefined || at < outlet.reportedAt)) outlet.reportedAt = at;
    if (outlet.reference === undefined && citation.reference !== undefined) outlet.reference = citation.reference;
    byName.set(name, outlet);
  }
  const dataset: SourceBody = { name: format.sourceName, kind: 'dataset', ...(ratings.dataset ?? DEFAULT_DATASET_RATING), reference: rowKey(row) };
  const outlets = [...byName].map(
    ([name, outlet]): SourceBody => ({
      name,
      kind: 'outlet',
      ...outlet.rating,
      ...(outlet.reference !== undefined ? { reference: outlet.reference } : {}),
      ...(outlet.reportedAt !== undefined ? { reportedAt: new Date(outlet.reportedAt).toISOString() } : {}),
    }),
  );
  if (outlets.length > LIMITS.sourcesPerReport - 1) warnings.push('SOURCES_CUT');
  return { sources: [dataset, ...outlets.slice(0, LIMITS.sourcesPerReport - 1)], warnings };
}

function citationInstant(citation: OutletCitation, windowStart: number, now: number): number | 'dropped' | undefined {
  if (citation.badDate === true) return 'dropped';
  if (citation.date === undefined) return undefined;
  const at = Date.parse(startOfDay(citation.date));
  return at < windowStart || at > now ? 'dropped' : at;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
