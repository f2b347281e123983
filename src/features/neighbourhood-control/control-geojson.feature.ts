import type { Area } from '../../domain/index.js';
import { utcMsOrNull } from '../instants.js';
import type { ControlFeatureDto } from './control-geojson.dto.js';
import type { ActorRecord, PositionControl } from './neighbourhood-control.reader.js';

/** A position's geometry: its area, else a Point at its coordinates, else null (RFC 7946 §3.2: a feature without a location). */
export function geometryOf(p: { readonly area: Area | null; readonly coordinates: readonly [number, number] | null }): ControlFeatureDto['geometry'] {
  if (p.area !== null) return p.area as ControlFeatureDto['geometry'];
  if (p.coordinates !== null) return { type: 'Point', coordinates: [p.coordinates[0], p.coordinates[1]] };
  return null;
}

/** One position of a control map: every position is a feature, with a null geometry when it has no location. */
export function controlFeature(neighbourhoodId: string, p: PositionControl, actors: ReadonlyMap<string, ActorRecord>): ControlFeatureDto {
  const controller = p.controller === null ? undefined : actors.get(p.controller);
  return {
    type: 'Feature',
    id: p.id,
    geometry: geometryOf(p),
    properties: {
      neighbourhoodId,
      id: p.id,
      name: p.name,
      nameAr: p.nameAr,
      kind: p.kind,
      weight: p.weight,
      controller: p.controller,
      controllerName: controller?.name ?? null,
      side: controller?.side ?? null,
      since: utcMsOrNull(p.since),
      contested: p.contested,
      contestedBy: [...p.contestedBy],
      eventId: p.eventId,
      evidence: p.evidence,
      uncertain: p.uncertain,
    },
  };
}
