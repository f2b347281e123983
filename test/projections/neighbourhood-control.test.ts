import type { Clock } from '../../src/application/clock.js';
import type { NeighbourhoodEvent } from '../../src/domain/index.js';
import { NeighbourhoodControlHandler, NeighbourhoodControlQuery } from '../../src/features/neighbourhood-control/neighbourhood-control.handler.js';
import { HeavyQueries } from '../../src/features/exports/heavy-queries.js';
import { NeighbourhoodTimelineHandler, NeighbourhoodTimelineQuery } from '../../src/features/neighbourhood-timeline/neighbourhood-timeline.handler.js';
import { CLAIMS_AFTER_SQL, CLAIMS_BACKWARDS_SQL, CONTESTS_SINCE_SQL } from '../../src/features/neighbourhood-control/neighbourhood-control.reader.js';
import { NEIGHBOURHOOD_CONTROL } from '../../src/features/neighbourhood-control/neighbourhood-control.read-model.js';
import type { ProjectionEngine } from '../../src/projections/projection-engine.js';
import { READ_MODELS as PROJECTIONS } from '../../src/features/read-models.js';
import { type Appended, type TempLog, FIELD_SOURCE, openTempLog, startEngine } from './event-log.fixture.js';

/*
 * Time semantics of the control read model, on a small invented neighbourhood. Placeholder
 * dates: Monday 2018-04-16 is the baseline, the week runs to Friday.
 */
const N = 'test-quarter';
const clock: Clock = { now: () => new Date('2018-04-21T00:00:00Z') };

const incident = { neighbourhoodId: N, timePrecision: 'hour' as const, sources: [FIELD_SOURCE] };

const capture = (by: string, positions: string[], occurredAt: string, from: string): NeighbourhoodEvent => ({
  type: 'PositionCaptured',
  data: { ...incident, by, positions, from: Object.fromEntries(positions.map((p) => [p, from])), occurredAt },
});

const attack = (attacker: string, defender: string, targets: string[], occurredAt: string): NeighbourhoodEvent => ({
  type: 'AttackLaunched',
  data: { ...incident, attackers: [attacker], defenders: [defender], targets, occurredAt },
});

const retraction = (eventId: string, retractedType: 'PositionCaptured' | 'AttackLaunched'): NeighbourhoodEvent => ({
  type: 'ReportRetracted',
  data: { neighbourhoodId: N, eventId, retractedType, reason: 'false report' },
});

describe('neighbourhood control: asOf and knownAt', () => {
  let temp: TempLog;
  let engine: ProjectionEngine;
  let handler: NeighbourhoodControlHandler;
  let timeline: NeighbourhoodTimelineHandler;

  beforeEach(async () => {
    temp = await openTempLog();
    for (const [actorId, side] of [['isis', 'isis'], ['syrian-regime', 'pro-government']]) {
      await temp.log.actor({ type: 'ActorRegistered', data: { actorId: actorId!, name: actorId!, side: side! } }, '2018-04-16T00:00:00Z');
    }
    await temp.log.neighbourhood(
      {
        type: 'NeighbourhoodRegistered',
        data: {
          neighbourhoodId: N,
          name: 'Test quarter',
          city: 'Damascus',
          country: 'Syria',
          controlAsOf: '2018-04-16T00:00:00Z',
          positions: [
            { id: 'p1', name: 'Position 1', weight: 1, controller: 'syrian-regime' },
            { id: 'p2', name: 'Position 2', weight: 1, controller: 'syrian-regime' },
          ],
        },
      },
      '2018-04-16T06:00:00Z',
    );
    engine = await startEngine(temp, PROJECTIONS);
    handler = new NeighbourhoodControlHandler(engine, new HeavyQueries({ maxHeavyQueries: 0 }), clock);
    timeline = new NeighbourhoodTimelineHandler(engine);
  });

  afterEach(async () => {
    await engine.close();
    await temp.dispose();
  });

  const record = (event: NeighbourhoodEvent, recordedAt: string): Promise<Appended> => temp.log.neighbourhood(event, recordedAt);
  const controlAt = (asOf: string, knownAt?: string) =>
    temp.store.headPosition().then((head) => handler.execute(new NeighbourhoodControlQuery(N, asOf, knownAt, undefined, false, head)));
  const position = async (id: string, asOf: string, knownAt?: string) => (await controlAt(asOf, knownAt)).positions.find((p) => p.id === id)!;

  it('places a late report in its time: it changes what asOf answers about the past', async () => {
    await record(capture('isis', ['p1'], '2018-04-17T10:00:00Z', 'syrian-regime'), '2018-04-17T11:00:00Z');
    expect(await position('p2', '2018-04-17T12:00:00Z')).toMatchObject({ controller: 'syrian-regime', since: '2018-04-16T00:00:00.000Z', eventId: null });

    // Reported on Wednesday, about Tuesday morning.
    const late = await record(capture('isis', ['p2'], '2018-04-17T09:00:00Z', 'syrian-regime'), '2018-04-18T12:00:00Z');
    expect(await position('p2', '2018-04-17T12:00:00Z')).toEqual({
      id: 'p2',
      name: 'Position 2',
      nameAr: null,
      kind: null,
      weight: 1,
      coordinates: null,
      area: null,
      controller: 'isis',
      controllerName: 'isis',
      since: '2018-04-17T09:00:00.000Z',
      contested: false,
      contestedBy: [],
      eventId: late.eventId,
      evidence: { reports: 1, sources: 1, bestReliability: 'C', bestCredibility: 3 },
      uncertain: false,
    });
    expect(await position('p2', '2018-04-17T08:59:59Z')).toMatchObject({ controller: 'syrian-regime' });
    const answer = await controlAt('2018-04-17T12:00:00Z');
    expect(answer).toMatchObject({ shares: { isis: 1 }, sideShares: { isis: 1 }, majorityController: 'isis' });
  });

  it('answers with what was believed at knownAt: a report recorded later does not count yet', async () => {
    const late = await record(capture('isis', ['p2'], '2018-04-17T09:00:00Z', 'syrian-regime'), '2018-04-18T12:00:00Z');
    expect(await position('p2', '2018-04-17T12:00:00Z', '2018-04-18T11:59:59.999Z')).toMatchObject({
      controller: 'syrian-regime',
      eventId: null,
    });
    // knownAt is inclusive.
    expect(await position('p2', '2018-04-17T12:00:00Z', '2018-04-18T12:00:00Z')).toMatchObject({ controller: 'isis', eventId: late.eventId });
    const before = await controlAt('2018-04-17T12:00:00Z', '2018-04-18T11:00:00Z');
    expect(before).toMatchObject({ asOf: '2018-04-17T12:00:00.000Z', knownAt: '2018-04-18T11:00:00.000Z', shares: { 'syrian-regime': 1 }, majorityController: 'syrian-regime' });
  });

  it('counts a retracted event nowhere, except for a knownAt before the retraction was recorded; the timeline keeps it, marked', async () => {
    const false_ = await record(capture('isis', ['p1'], '2018-04-17T10:00:00Z', 'syrian-regime'), '2018-04-17T11:00:00Z');
    const withdrawn = await record(retraction(false_.eventId, 'PositionCaptured'), '2018-04-19T08:00:00Z');

    expect(await position('p1', '2018-04-18T00:00:00Z')).toMatchObject({ controller: 'syrian-regime', since: '2018-04-16T00:00:00.000Z', eventId: null });
    expect(await position('p1', '2018-04-18T00:00:00Z', '2018-04-19T07:59:59Z')).toMatchObject({
      controller: 'isis',
      since: '2018-04-17T10:00:00.000Z',
      eventId: false_.eventId,
    });

    const items = (await timeline.execute(new NeighbourhoodTimelineQuery(N, { minPosition: withdrawn.position }, false))).items;
    expect(items).toEqual([
      expect.objectContaining({
        eventId: false_.eventId,
        type: 'PositionCaptured',
        retracted: true,
        retraction: { eventId: withdrawn.eventId, reason: 'false report', recordedAt: '2018-04-19T08:00:00.000Z' },
      }),
    ]);
  });

  it('makes attack targets contested until a capture or retreat on them, and a retracted attack contests nothing', async () => {
    const strike = await record(attack('isis', 'syrian-regime', ['p1', 'p2'], '2018-04-17T08:00:00Z'), '2018-04-17T09:00:00Z');
    await record(capture('isis', ['p1'], '2018-04-17T10:00:00Z', 'syrian-regime'), '2018-04-17T11:00:00Z');

    const during = await controlAt('2018-04-17T09:00:00Z');
    expect(during.positions.map((p) => [p.id, p.contested])).toEqual([['p1', true], ['p2', true]]);
    expect(during.contestedPositions).toBe(2);
    const after = await controlAt('2018-04-17T12:00:00Z');
    expect(after.positions.map((p) => [p.id, p.controller, p.contested])).toEqual([['p1', 'isis', false], ['p2', 'syrian-regime', true]]);
    expect(after.contestedPositions).toBe(1);

    await record(retraction(strike.eventId, 'AttackLaunched'), '2018-04-19T08:00:00Z');
    expect((await controlAt('2018-04-17T12:00:00Z')).contestedPositions).toBe(0);
    expect((await controlAt('2018-04-17T12:00:00Z', '2018-04-19T07:00:00Z')).contestedPositions).toBe(1);
  });

  it('orders incidents at the same instant by log position', async () => {
    const at = '2018-04-17T10:00:00Z';
    await record(capture('isis', ['p1'], at, 'syrian-regime'), '2018-04-17T11:00:00Z');
    const retake = await record(capture('syrian-regime', ['p1'], at, 'isis'), '2018-04-17T11:00:00Z');
    expect(await position('p1', at)).toMatchObject({ controller: 'syrian-regime', eventId: retake.eventId, since: '2018-04-17T10:00:00.000Z' });
  });

  it('does not know a neighbourhood before it was registered, nor positions added after knownAt', async () => {
    await record({ type: 'PositionsAdded', data: { neighbourhoodId: N, positions: [{ id: 'p3', name: 'Position 3', weight: 2, controller: 'isis' }] } }, '2018-04-18T00:00:00Z');
    await expect(controlAt('2018-04-17T00:00:00Z', '2018-04-16T05:59:59Z')).rejects.toMatchObject({ code: 'NEIGHBOURHOOD_NOT_FOUND' });
    expect((await controlAt('2018-04-17T00:00:00Z', '2018-04-17T00:00:00Z')).positions.map((p) => p.id)).toEqual(['p1', 'p2']);
    const now = await controlAt('2018-04-17T00:00:00Z');
    expect(now.positions.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
    expect(now.shares).toEqual({ isis: 0.5, 'syrian-regime': 0.5 });
    expect(now.majorityController).toBeNull();
    await expect(handler.execute(new NeighbourhoodControlQuery('nowhere', undefined, undefined, undefined, false))).rejects.toMatchObject({ code: 'NEIGHBOURHOOD_NOT_FOUND' });
  });

  it('knows nothing before the baseline', async () => {
    const answer = await controlAt('2018-04-15T23:59:59Z');
    expect(answer.positions.map((p) => [p.controller, p.since, p.eventId])).toEqual([[null, null, null], [null, null, null]]);
    expect(answer.shares).toEqual({});
  });

  it('defaults asOf and knownAt to now, and says so', async () => {
    const answer = await handler.execute(new NeighbourhoodControlQuery(N, undefined, undefined, undefined, false));
    expect(answer).toMatchObject({ neighbourhoodId: N, asOf: '2018-04-21T00:00:00.000Z', knownAt: '2018-04-21T00:00:00.000Z', position: await temp.store.headPosition() });
  });

  it('reads a position\'s claims and contests through the time-ordered indexes, never by scanning its history', async () => {
    const params = { neighbourhoodId: N, positionId: 'p1', asOfMs: 0, knownAtMs: 0, afterMs: 0, afterPosition: 0, untilMs: 0 };
    const plans = await engine.read(NEIGHBOURHOOD_CONTROL, undefined, ({ db }) =>
      [CLAIMS_BACKWARDS_SQL, CONTESTS_SINCE_SQL, CLAIMS_AFTER_SQL].map((sql) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail).join('\n'),
      ),
    );
    expect(plans[0]).toMatch(/SEARCH c USING INDEX claims_in_time \(neighbourhood_id=\? AND position_id=\? AND occurred_at_ms<\?\)/);
    expect(plans[1]).toMatch(/SEARCH t USING INDEX contests_in_time \(neighbourhood_id=\? AND position_id=\? AND/);
    // The next change of hands after asOf (for `uncertain`) is a bounded seek forwards.
    expect(plans[2]).toMatch(/SEARCH c USING INDEX claims_in_time \(neighbourhood_id=\? AND position_id=\? AND occurred_at_ms>\? AND occurred_at_ms<\?\)/);
    for (const plan of plans) expect(plan).not.toMatch(/TEMP B-TREE|SCAN [ct]\b/);
  });
});
