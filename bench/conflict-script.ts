import type { NeighbourhoodCommand } from '../src/domain/index.js';
import { type BenchActor, type BenchPlace, type UcdpEvent, type UcdpMaterial, notesOf, slug, sourceOf } from './ucdp-material.js';

/** The command endpoints under /v1/neighbourhoods/:id/ that the scripts use. */
export type IncidentKind = 'attacks' | 'captures' | 'counterattacks' | 'retreats' | 'casualties' | 'retractions';

export interface ScriptedRequest {
  readonly neighbourhoodId: string;
  readonly kind: IncidentKind;
  /** The JSON body exactly as a client sends it. */
  readonly body: Record<string, unknown>;
}

export const KIND_TO_COMMAND: Readonly<Record<IncidentKind, NeighbourhoodCommand['type']>> = {
  attacks: 'LaunchAttack',
  captures: 'CapturePosition',
  counterattacks: 'LaunchCounterattack',
  retreats: 'Retreat',
  casualties: 'ReportCasualties',
  retractions: 'RetractReport',
};

/** The domain command of a scripted request: the body's fields are the command's fields. */
export function commandOf(request: ScriptedRequest): NeighbourhoodCommand {
  return { type: KIND_TO_COMMAND[request.kind], neighbourhoodId: request.neighbourhoodId, ...request.body } as NeighbourhoodCommand;
}

/** Small, fast, seeded PRNG (mulberry32): runs are reproducible. */
export class Random {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

export const POSITIONS_PER_NEIGHBOURHOOD = 8;
const POSITION_KINDS = ['block', 'checkpoint', 'building', 'sector', 'landmark'] as const;
const POSITION_NAMES = ['northern blocks', 'main checkpoint', 'hospital', 'eastern sector', 'grain silos', 'school', 'market', 'southern blocks'];

/** Body of POST /v1/neighbourhoods for a place: positions split between its two belligerents. */
export function registrationBody(place: BenchPlace, controlAsOf: string): Record<string, unknown> {
  return {
    id: place.id,
    name: place.name.slice(0, 200),
    city: place.governorate.slice(0, 200) || 'Syria',
    country: 'Syria',
    controlAsOf,
    positions: POSITION_NAMES.slice(0, POSITIONS_PER_NEIGHBOURHOOD).map((name, i) => ({
      id: `${slug(place.id, 40)}-${slug(name, 20)}`,
      name: `${place.name.slice(0, 150)}, ${name}`,
      kind: POSITION_KINDS[i % POSITION_KINDS.length],
      weight: 1 + (i % 3),
      coordinates: [round6(place.lon + (i - 4) * 0.002), round6(place.lat + ((i % 3) - 1) * 0.002)],
      controller: place.belligerents[i % 2],
    })),
  };
}

export function actorBody(actor: BenchActor): Record<string, unknown> {
  return { id: actor.id, name: actor.name, side: actor.side, kind: actor.kind };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * A neighbourhood's fighting as a stream of valid requests: on one position after another,
 * the challenger attacks, captures, the holder reports casualties and counterattacks, and half
 * of the time the captor retreats and yields the position back. Every request is valid when
 * sent in order, so a benchmark measures accepted commands, not refusals.
 */
export class NeighbourhoodScript {
  readonly neighbourhoodId: string;
  readonly positionIds: string[];
  private readonly holders = new Map<string, string>();
  private step = 0;
  private position = 0;
  private lastAttackId: string | undefined;
  private lastCaptor: string | undefined;
  private readonly pair: readonly [string, string];

  constructor(
    place: BenchPlace,
    private readonly material: UcdpMaterial,
    private readonly random: Random,
    /** occurredAt of the next request, epoch ms; advances by stepMs per request. */
    private clockMs: number,
    private readonly stepMs: number,
  ) {
    this.neighbourhoodId = place.id;
    this.pair = place.belligerents;
    const registration = registrationBody(place, new Date(clockMs).toISOString()) as { positions: { id: string; controller: string }[] };
    this.positionIds = registration.positions.map((p) => p.id);
    for (const p of registration.positions) this.holders.set(p.id, p.controller);
  }

  get now(): number {
    return this.clockMs;
  }

  holderOf(positionId: string): string {
    return this.holders.get(positionId)!;
  }

  /** Bring the script in line with the stored history (holders, time) before continuing it. */
  resume(holders: ReadonlyMap<string, string>, clockMs: number): void {
    for (const [id, holder] of holders) this.holders.set(id, holder);
    this.clockMs = clockMs;
  }

  /** The eventId the store gave the last request, for attackId / inResponseTo references. */
  recorded(request: ScriptedRequest, eventId: string): void {
    if (request.kind === 'attacks') this.lastAttackId = eventId;
  }

  /** The next request of the cycle. */
  next(): ScriptedRequest {
    const p = this.positionIds[this.position % this.positionIds.length]!;
    const holder = this.holders.get(p)!;
    const ucdp = this.material.events[this.random.int(this.material.events.length)]!;
    const fields = this.incidentFields(ucdp, this.clockMs);
    this.clockMs += this.stepMs;
    const phase = this.step++ % 5;
    switch (phase) {
      case 0: {
        const challenger = this.challengerOf(holder);
        this.lastCaptor = challenger;
        return this.request('attacks', {
          attackers: [challenger],
          defenders: [holder],
          targets: [p],
          ...(this.random.next() < 0.3 ? { origin: `from ${ucdp.place.slice(0, 400)}` } : {}),
          ...fields,
        });
      }
      case 1: {
        const captor = this.lastCaptor ?? this.challengerOf(holder);
        this.holders.set(p, captor);
        return this.request('captures', {
          by: captor,
          positions: [p],
          ...(this.lastAttackId ? { attackId: this.lastAttackId } : {}),
          ...fields,
        });
      }
      case 2:
        return this.request('casualties', this.casualties(ucdp, this.challengerOf(holder), fields));
      case 3: {
        const loser = this.challengerOf(holder);
        return this.request('counterattacks', {
          by: loser,
          against: holder,
          targets: [p],
          ...(this.lastAttackId ? { inResponseTo: this.lastAttackId } : {}),
          ...fields,
        });
      }
      default: {
        this.position++;
        if (this.random.next() < 0.5) {
          const back = this.challengerOf(holder);
          this.holders.set(p, back);
          return this.request('retreats', { by: holder, positions: [p], yieldedTo: back, ...fields });
        }
        return this.request('casualties', this.casualties(ucdp, holder, fields));
      }
    }
  }

  /** A capture of the next position by whoever does not hold it: valid after any history this script knows. */
  capture(): ScriptedRequest {
    const p = this.positionIds[this.position++ % this.positionIds.length]!;
    const captor = this.challengerOf(this.holders.get(p)!);
    this.holders.set(p, captor);
    const ucdp = this.material.events[this.random.int(this.material.events.length)]!;
    const fields = this.incidentFields(ucdp, this.clockMs);
    this.clockMs += this.stepMs;
    return this.request('captures', { by: captor, positions: [p], ...fields });
  }

  /** A report about an earlier instant, with no control effect: always valid, placed in the past. */
  lateAttack(occurredAtMs: number): ScriptedRequest {
    const p = this.random.pick(this.positionIds);
    const [a, b] = this.belligerents();
    const ucdp = this.material.events[this.random.int(this.material.events.length)]!;
    return this.request('attacks', { attackers: [a], defenders: [b], targets: [p], ...this.incidentFields(ucdp, occurredAtMs) });
  }

  lateCasualties(occurredAtMs: number): ScriptedRequest {
    const ucdp = this.material.events[this.random.int(this.material.events.length)]!;
    return this.request('casualties', this.casualties(ucdp, this.random.pick(this.belligerents()), this.incidentFields(ucdp, occurredAtMs)));
  }

  /** A capture about an earlier instant: the decider decides whether the timeline allows it. */
  lateCapture(occurredAtMs: number, holderThen: (positionId: string) => string | null): ScriptedRequest {
    const p = this.random.pick(this.positionIds);
    const [a, b] = this.belligerents();
    const by = holderThen(p) === a ? b : a;
    const ucdp = this.material.events[this.random.int(this.material.events.length)]!;
    return this.request('captures', { by, positions: [p], ...this.incidentFields(ucdp, occurredAtMs) });
  }

  retraction(eventId: string): ScriptedRequest {
    return this.request('retractions', { eventId, reason: 'Duplicate of an earlier report from the same outlet' });
  }

  private belligerents(): readonly [string, string] {
    return this.pair;
  }

  private challengerOf(holder: string): string {
    const [a, b] = this.belligerents();
    return holder === a ? b : a;
  }

  private request(kind: IncidentKind, body: Record<string, unknown>): ScriptedRequest {
    return { neighbourhoodId: this.neighbourhoodId, kind, body };
  }

  private incidentFields(ucdp: UcdpEvent, atMs: number): Record<string, unknown> {
    const notes = notesOf(ucdp);
    return {
      occurredAt: new Date(atMs).toISOString(),
      timePrecision: ucdp.datePrecision <= 1 ? 'day' : 'week',
      sources: [sourceOf(ucdp)],
      ...(notes !== undefined ? { notes } : {}),
    };
  }

  private casualties(ucdp: UcdpEvent, actor: string, fields: Record<string, unknown>): Record<string, unknown> {
    const best = Math.max(0, Math.round(ucdp.best));
    const low = Math.min(best, Math.max(0, Math.round(ucdp.low)));
    const high = Math.max(best, Math.round(ucdp.high));
    return { actor, killed: { low, best, high }, ...(this.random.next() < 0.3 ? { wounded: { best: best * 2 } } : {}), ...fields };
  }
}
