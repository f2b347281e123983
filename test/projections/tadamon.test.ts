import type { Clock } from '../../src/application/clock.js';
import { utcMs } from '../../src/features/instants.js';
import { ActorHoldingsHandler, ActorHoldingsQuery } from '../../src/features/neighbourhood-control/actor-holdings.handler.js';
import { ControlGeoJsonHandler, ControlGeoJsonQuery } from '../../src/features/neighbourhood-control/control-geojson.handler.js';
import { ListActorsHandler, ListActorsQuery } from '../../src/features/actors/list-actors.handler.js';
import { ListNeighbourhoodsHandler, ListNeighbourhoodsQuery } from '../../src/features/neighbourhood-control/list-neighbourhoods.handler.js';
import type { NeighbourhoodControlDto, PositionControlDto } from '../../src/features/neighbourhood-control/neighbourhood-control.dto.js';
import { NeighbourhoodControlHandler, NeighbourhoodControlQuery } from '../../src/features/neighbourhood-control/neighbourhood-control.handler.js';
import { NeighbourhoodTimelineHandler, NeighbourhoodTimelineQuery } from '../../src/features/neighbourhood-timeline/neighbourhood-timeline.handler.js';
import { HeavyQueries } from '../../src/features/exports/heavy-queries.js';
import type { ProjectionEngine } from '../../src/projections/projection-engine.js';
import { READ_MODELS as PROJECTIONS } from '../../src/features/read-models.js';
import { type TempLog, FIELD_SOURCE, caughtUp, openTempLog, startEngine } from './event-log.fixture.js';
import { AMAQ, PROTECTED_CONTACT, T, TADAMON, type TadamonEventIds, recordTadamonReport } from './tadamon.fixture.js';

/*
 * The Tadamon report (shared/seeds/tadamon-report.md), asked through the query handlers.
 * Calendar dates are placeholders (see tadamon.fixture.ts): the article names weekdays only.
 */
describe('the Tadamon report', () => {
  const clock: Clock = { now: () => new Date(T.now) };
  let temp: TempLog;
  let engine: ProjectionEngine;
  let ids: TadamonEventIds;
  let head: number;

  beforeAll(async () => {
    temp = await openTempLog('tadamon-');
    ids = await recordTadamonReport(temp.log);
    head = await temp.store.headPosition();
    engine = await startEngine(temp, PROJECTIONS);
    await caughtUp(engine, temp.store);
  });

  afterAll(async () => {
    await engine.close();
    await temp.dispose();
  });

  const control = (asOf?: string, knownAt?: string): Promise<NeighbourhoodControlDto> =>
    new NeighbourhoodControlHandler(engine, new HeavyQueries({ maxHeavyQueries: 0 }), clock).execute(new NeighbourhoodControlQuery(TADAMON, asOf, knownAt, undefined, false, head));
  const positionsOf = (answer: NeighbourhoodControlDto): Record<string, PositionControlDto> =>
    Object.fromEntries(answer.positions.map((p) => [p.id, p]));

  it('during the counterattack window the regime holds the bakery blocks it briefly retook', async () => {
    const answer = await control(T.duringCounterattackWindow);
    const positions = positionsOf(answer);
    for (const id of ['bakery-block-1', 'bakery-block-2']) {
      expect(positions[id]).toEqual({
        id,
        name: expect.any(String),
        nameAr: expect.stringContaining('فرن أبو ترابي'),
        kind: 'block',
        weight: 1,
        coordinates: [expect.any(Number), expect.any(Number)],
        area: null,
        controller: 'syrian-regime',
        controllerName: 'Syrian government forces',
        since: utcMs(T.retake),
        contested: false,
        contestedBy: [],
        eventId: ids.retake,
        evidence: { reports: 1, sources: 1, bestReliability: 'C', bestCredibility: 3 },
        uncertain: false,
      });
    }
    expect(positions['bakery-block-1']!.coordinates).toEqual([36.3032, 33.4741]);
    // The rest of Wednesday's gains stayed with ISIS.
    expect(positions['north-buildings']).toMatchObject({ controller: 'isis', since: utcMs(T.capture), eventId: ids.capture });
    expect(answer.position).toBe(head);
  });

  it('before the late reports of the counterattack were recorded, the bakery was believed to be ISIS\'s all along', async () => {
    const positions = positionsOf(await control(T.duringCounterattackWindow, T.beforeLateReports));
    expect(positions['bakery-block-1']).toMatchObject({ controller: 'isis', since: utcMs(T.capture), eventId: ids.capture });
  });

  it('after the withdrawal the bakery blocks are ISIS\'s again', async () => {
    const positions = positionsOf(await control(T.afterWithdrawal));
    for (const id of ['bakery-block-1', 'bakery-block-2']) {
      expect(positions[id]).toMatchObject({ controller: 'isis', since: utcMs(T.withdrawal), eventId: ids.withdrawal, contested: false });
    }
  });

  it('by Thursday ISIS is the majority controller of Tadamon; on Wednesday it held exactly half, no majority', async () => {
    const wednesday = await control(T.wednesdayNoon);
    expect(wednesday.shares.isis).toBeCloseTo(9 / 18, 12);
    expect(wednesday.majorityController).toBeNull();

    const thursday = await control(T.thursdayNoon);
    expect(thursday.majorityController).toBe('isis');
    expect(thursday.shares).toEqual({ isis: 13 / 18, 'syrian-regime': 5 / 18 });
    expect(thursday.sideShares).toEqual({ isis: 13 / 18, 'pro-government': 5 / 18 });

    const before = await control(T.baseline);
    expect(before.majorityController).toBe('syrian-regime');
    expect(before.shares).toEqual({ hezbollah: 1 / 18, 'iranian-militias': 1 / 18, isis: 3 / 18, 'syrian-regime': 13 / 18 });
  });

  it('while an attack is unresolved its targets show as contested', async () => {
    const wednesdayMorning = await control(T.whileAttackUnresolved);
    expect(wednesdayMorning.positions.filter((p) => p.contested).map((p) => p.id)).toEqual([
      'bakery-block-1',
      'bakery-block-2',
      'north-buildings',
      'militia-barracks',
      'hezbollah-post',
    ]);
    expect(wednesdayMorning.contestedPositions).toBe(5);
    expect((await control(T.capture)).contestedPositions).toBe(0);

    const counterattack = await control(T.counterattackUnresolved);
    expect(counterattack.positions.filter((p) => p.contested).map((p) => p.id)).toEqual(['bakery-block-1', 'bakery-block-2']);

    // Thursday: east Tadamon fell, the south is still being fought over.
    const thursday = await control(T.thursdayNoon);
    expect(thursday.positions.filter((p) => p.contested).map((p) => p.id)).toEqual(['south-tadamon']);
    expect(thursday.contestedPositions).toBe(1);
  });

  it('keeps every claim on the timeline, in occurredAt order, with protected sources redacted for analysts', async () => {
    const handler = new NeighbourhoodTimelineHandler(engine);
    const { items, position } = await handler.execute(new NeighbourhoodTimelineQuery(TADAMON, { minPosition: head }, false));
    expect(position).toBe(head);
    expect(items.map((item) => item.eventId)).toEqual([
      ids.attack,
      ids.capture,
      ids.counterattack,
      ids.retake,
      ids.withdrawal,
      ids.casualties,
      ids.thursdayAttack,
      ids.thursdayCapture,
    ]);
    const attack = items[0]!;
    const redacted = { protected: true, kind: 'field', reliability: 'B', credibility: 2 };
    expect(attack.sources).toEqual([FIELD_SOURCE, redacted]);
    // Each source once: the item's sources, not again in its data.
    expect(attack.data).not.toHaveProperty('sources');
    expect(JSON.stringify(items)).not.toContain('Abu Khaled');
    expect(JSON.stringify(items)).not.toContain('example.org/contact');
    expect(items[1]).toMatchObject({
      type: 'PositionCaptured',
      occurredAt: utcMs(T.capture),
      timePrecision: 'hour',
      recordedAt: utcMs(T.captureRecorded),
      reportedAt: utcMs(T.captureRecorded),
      standing: 'accepted',
      status: 'unverified',
      assessments: [],
      retracted: false,
    });
    expect(items[1]!.sources).toEqual([FIELD_SOURCE, AMAQ, expect.objectContaining({ name: 'Damascus Now' })]);

    const forAdmins = await handler.execute(new NeighbourhoodTimelineQuery(TADAMON, { minPosition: head }, true));
    expect(forAdmins.items[0]!.sources).toEqual([FIELD_SOURCE, PROTECTED_CONTACT]);
  });

  it('filters the timeline by time (inclusive) and by type', async () => {
    const handler = new NeighbourhoodTimelineHandler(engine);
    const thursday = await handler.execute(new NeighbourhoodTimelineQuery(TADAMON, { from: T.withdrawal, to: T.thursdayCapture }, false));
    expect(thursday.items.map((item) => item.eventId)).toEqual([ids.withdrawal, ids.casualties, ids.thursdayAttack, ids.thursdayCapture]);
    const captures = await handler.execute(new NeighbourhoodTimelineQuery(TADAMON, { type: ['PositionCaptured'] }, false));
    expect(captures.items.map((item) => item.eventId)).toEqual([ids.capture, ids.retake, ids.thursdayCapture]);
    await expect(handler.execute(new NeighbourhoodTimelineQuery('damascus-nowhere', {}, false))).rejects.toMatchObject({ code: 'NEIGHBOURHOOD_NOT_FOUND' });
  });

  it('lists Tadamon city-wide with its current state', async () => {
    const answer = await new ListNeighbourhoodsHandler(engine, clock).execute(new ListNeighbourhoodsQuery({ minPosition: head }));
    expect(answer).toEqual({
      items: [
        {
          id: TADAMON,
          name: 'Tadamon',
          nameAr: 'حي التضامن',
          city: 'Damascus',
          majorityController: 'isis',
          shares: { isis: 13 / 18, 'syrian-regime': 5 / 18 },
          contestedPositions: 1,
          lastEventAt: utcMs(T.thursdayCapture),
        },
      ],
      asOf: utcMs(T.now),
      knownAt: utcMs(T.now),
      position: head,
    });
  });

  it('shows what ISIS holds, grouped by neighbourhood, and refuses an unknown actor', async () => {
    const handler = new ActorHoldingsHandler(engine, clock);
    const wednesdayNight = await handler.execute(new ActorHoldingsQuery('syrian-regime', { asOf: T.duringCounterattackWindow }));
    expect(wednesdayNight.items).toHaveLength(1);
    expect(wednesdayNight.items[0]!.positions.map((p) => p.id)).toEqual(['bakery-block-1', 'bakery-block-2', 'east-tadamon', 'south-tadamon']);

    const isis = await handler.execute(new ActorHoldingsQuery('isis', { asOf: T.thursdayNoon }));
    expect(isis).toMatchObject({ actorId: 'isis', side: 'isis', asOf: utcMs(T.thursdayNoon), position: head });
    expect(isis.items).toEqual([
      expect.objectContaining({ neighbourhoodId: TADAMON, share: 13 / 18, majority: true }),
    ]);
    expect(isis.items[0]!.positions.map((p) => p.id)).toEqual([
      'west-tadamon',
      'bakery-block-1',
      'bakery-block-2',
      'north-buildings',
      'militia-barracks',
      'hezbollah-post',
      'east-tadamon',
    ]);
    expect((await handler.execute(new ActorHoldingsQuery('ndf'))).items).toEqual([]);
    await expect(handler.execute(new ActorHoldingsQuery('wagner'))).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
  });

  it('draws the control map as GeoJSON, one feature per position, styled by controller and side', async () => {
    const map = await new ControlGeoJsonHandler(engine, clock).execute(new ControlGeoJsonQuery(TADAMON, T.duringCounterattackWindow));
    expect(map.type).toBe('FeatureCollection');
    expect(map.features.map((f) => f.id)).toEqual([
      'west-tadamon',
      'bakery-block-1',
      'bakery-block-2',
      'north-buildings',
      'militia-barracks',
      'hezbollah-post',
      'east-tadamon',
      'south-tadamon',
    ]);
    // The Hezbollah checkpoint has no coordinates: a feature without a location (RFC 7946 §3.2).
    expect(map.features[5]).toMatchObject({ id: 'hezbollah-post', geometry: null, properties: { controller: 'isis' } });
    expect(map.features[1]).toEqual({
      type: 'Feature',
      id: 'bakery-block-1',
      geometry: { type: 'Point', coordinates: [36.3032, 33.4741] },
      properties: {
        neighbourhoodId: TADAMON,
        id: 'bakery-block-1',
        name: 'Abu Turabi bakery, block 1',
        nameAr: 'فرن أبو ترابي ١',
        kind: 'block',
        weight: 1,
        controller: 'syrian-regime',
        controllerName: 'Syrian government forces',
        side: 'pro-government',
        since: utcMs(T.retake),
        contested: false,
        contestedBy: [],
        eventId: ids.retake,
        evidence: { reports: 1, sources: 1, bestReliability: 'C', bestCredibility: 3 },
        uncertain: false,
      },
    });
    expect(map).toMatchObject({ neighbourhoodId: TADAMON, asOf: utcMs(T.duringCounterattackWindow), knownAt: new Date(T.now).toISOString(), position: head });
  });

  it('lists the actors with their Arabic names unchanged', async () => {
    const { items, position } = await new ListActorsHandler(engine).execute(new ListActorsQuery({ minPosition: head }));
    expect(position).toBe(head);
    expect(items.map((actor) => actor.id)).toEqual(['hezbollah', 'iranian-militias', 'isis', 'ndf', 'opposition-factions', 'syrian-regime']);
    expect(items.find((actor) => actor.id === 'isis')).toEqual({ id: 'isis', name: 'Islamic State', nameAr: 'تنظيم داعش', side: 'isis', kind: 'rebel-group' });
  });
});
