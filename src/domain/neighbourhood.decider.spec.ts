import { given as givenAt } from './neighbourhood.decider.fixture.js';
import type { NeighbourhoodCommand } from './neighbourhood.commands.js';
import type { NeighbourhoodEvent, Positioned } from './neighbourhood.events.js';
import type { Source } from './sources.js';

// Placeholder calendar dates: the report gives weekdays only (Wednesday, Thursday).
const BASELINE = '2018-04-16T00:00:00Z';
const WEDNESDAY = '2018-04-18T06:00:00Z';
const WEDNESDAY_NOON = '2018-04-18T12:00:00Z';
const WEDNESDAY_EVENING = '2018-04-18T20:00:00Z';
const THURSDAY = '2018-04-19T10:00:00Z';
const NOW = Date.parse('2018-04-20T00:00:00Z');

const FIELD: Source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const ACTORS = new Set(['isis', 'syrian-regime', 'hezbollah', 'iranian-militias', 'ndf', 'opposition-factions']);

let nextPosition = 1;
const given = (...events: (NeighbourhoodEvent | Positioned<NeighbourhoodEvent>)[]) =>
  givenAt({ now: NOW, knownActors: ACTORS }, ...events.map((e) => ('eventId' in e ? e : recorded(e))));

const recorded = (event: NeighbourhoodEvent, eventId = `e${nextPosition}`): Positioned<NeighbourhoodEvent> =>
  ({ ...event, eventId, position: nextPosition++, recordedAt: new Date(NOW).toISOString() }) as Positioned<NeighbourhoodEvent>;

const registered = (): NeighbourhoodEvent => ({
  type: 'NeighbourhoodRegistered',
  data: {
    neighbourhoodId: 'damascus-tadamon',
    name: 'Tadamon',
    nameAr: 'حي التضامن',
    city: 'Damascus',
    country: 'Syria',
    controlAsOf: BASELINE,
    positions: [
      { id: 'bakery-block-1', name: 'Abu Turabi bakery block 1', kind: 'block', weight: 1, controller: 'syrian-regime' },
      { id: 'bakery-block-2', name: 'Abu Turabi bakery block 2', kind: 'block', weight: 1, controller: 'syrian-regime' },
      { id: 'west-sector', name: 'Western sector', kind: 'sector', weight: 2, controller: 'isis' },
    ],
  },
});

const captured = (by: string, positions: string[], occurredAt: string): NeighbourhoodEvent => ({
  type: 'PositionCaptured',
  data: {
    neighbourhoodId: 'damascus-tadamon',
    by,
    positions,
    from: {},
    occurredAt,
    timePrecision: 'hour',
    sources: [FIELD],
  },
});

const retreated = (by: string, positions: string[], occurredAt: string, yieldedTo?: string): NeighbourhoodEvent => ({
  type: 'ForcesRetreated',
  data: {
    neighbourhoodId: 'damascus-tadamon',
    by,
    positions,
    ...(yieldedTo ? { yieldedTo } : {}),
    occurredAt,
    timePrecision: 'hour',
    sources: [FIELD],
  },
});

const capture = (by: string, positions: string[], occurredAt: string): NeighbourhoodCommand => ({
  type: 'CapturePosition',
  neighbourhoodId: 'damascus-tadamon',
  by,
  positions,
  occurredAt,
  timePrecision: 'hour',
  sources: [FIELD],
});

const retreat = (by: string, positions: string[], occurredAt: string, yieldedTo?: string): NeighbourhoodCommand => ({
  type: 'Retreat',
  neighbourhoodId: 'damascus-tadamon',
  by,
  positions,
  ...(yieldedTo ? { yieldedTo } : {}),
  occurredAt,
  timePrecision: 'hour',
  sources: [FIELD],
});

describe('RegisterNeighbourhood', () => {
  const command: NeighbourhoodCommand = {
    type: 'RegisterNeighbourhood',
    neighbourhoodId: 'damascus-tadamon',
    name: 'Tadamon',
    nameAr: 'حي التضامن',
    city: 'Damascus',
    country: 'Syria',
    controlAsOf: BASELINE,
    positions: [{ id: 'p1', name: 'P1' }, { id: 'p2', name: 'P2', weight: 3, controller: 'isis' }],
  };

  it('registers with weight 1 and no controller by default', () => {
    given().when(command).then([
      {
        type: 'NeighbourhoodRegistered',
        data: {
          neighbourhoodId: 'damascus-tadamon',
          name: 'Tadamon',
          nameAr: 'حي التضامن',
          city: 'Damascus',
          country: 'Syria',
          controlAsOf: BASELINE,
          positions: [
            { id: 'p1', name: 'P1', weight: 1, controller: null },
            { id: 'p2', name: 'P2', weight: 3, controller: 'isis' },
          ],
        },
      },
    ]);
  });

  it('refuses a second registration', () => given(registered()).when(command).thenThrows('ALREADY_EXISTS'));

  it('refuses an unknown baseline controller', () =>
    given().when({ ...command, positions: [{ id: 'p1', name: 'P1', controller: 'nobody' }] }).thenThrows('ACTOR_UNKNOWN'));

  it('refuses a position listed twice', () =>
    given().when({ ...command, positions: [{ id: 'p1', name: 'a' }, { id: 'p1', name: 'b' }] }).thenThrows('INVALID_COMMAND'));

  it('refuses a baseline in the future', () =>
    given().when({ ...command, controlAsOf: '2030-01-01T00:00:00Z' }).thenThrows('OCCURRED_IN_FUTURE'));
});

describe('AddPositions', () => {
  it('adds new positions', () =>
    given(registered())
      .when({ type: 'AddPositions', neighbourhoodId: 'damascus-tadamon', positions: [{ id: 'mosque', name: 'Mosque', kind: 'landmark' }] })
      .then([
        {
          type: 'PositionsAdded',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            positions: [{ id: 'mosque', name: 'Mosque', kind: 'landmark', weight: 1, controller: null }],
          },
        },
      ]));

  it('refuses an existing position id', () =>
    given(registered())
      .when({ type: 'AddPositions', neighbourhoodId: 'damascus-tadamon', positions: [{ id: 'west-sector', name: 'again' }] })
      .thenThrows('ALREADY_EXISTS'));

  it('refuses an unregistered neighbourhood', () =>
    given()
      .when({ type: 'AddPositions', neighbourhoodId: 'damascus-tadamon', positions: [{ id: 'x', name: 'x' }] })
      .thenThrows('NEIGHBOURHOOD_NOT_FOUND'));
});

describe('LaunchAttack', () => {
  const attack: NeighbourhoodCommand = {
    type: 'LaunchAttack',
    neighbourhoodId: 'damascus-tadamon',
    attackers: ['isis', 'opposition-factions'],
    defenders: ['syrian-regime', 'hezbollah', 'iranian-militias'],
    targets: ['bakery-block-1'],
    origin: 'Yarmouk camp',
    occurredAt: WEDNESDAY,
    sources: [FIELD],
  };

  it('records the attack with exact precision by default', () =>
    given(registered()).when(attack).then([
      {
        type: 'AttackLaunched',
        data: {
          neighbourhoodId: 'damascus-tadamon',
          attackers: ['isis', 'opposition-factions'],
          defenders: ['syrian-regime', 'hezbollah', 'iranian-militias'],
          targets: ['bakery-block-1'],
          origin: 'Yarmouk camp',
          occurredAt: WEDNESDAY,
          timePrecision: 'exact',
          sources: [FIELD],
        },
      },
    ]));

  it('refuses an unknown actor', () =>
    given(registered()).when({ ...attack, attackers: ['isis', 'martians'] }).thenThrows('ACTOR_UNKNOWN', [{ actorId: 'martians' }]));

  it('refuses an unknown target', () =>
    given(registered()).when({ ...attack, targets: ['nowhere'] }).thenThrows('POSITION_UNKNOWN', [{ positionId: 'nowhere' }]));

  it('refuses a report from the future', () =>
    given(registered()).when({ ...attack, occurredAt: '2018-04-21T00:00:00Z' }).thenThrows('OCCURRED_IN_FUTURE'));

  it('accepts a report within the allowed clock skew', () => {
    const occurredAt = new Date(NOW + 60_000).toISOString();
    given(registered())
      .when({ ...attack, occurredAt, timePrecision: 'exact' })
      .then([
        {
          type: 'AttackLaunched',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            attackers: ['isis', 'opposition-factions'],
            defenders: ['syrian-regime', 'hezbollah', 'iranian-militias'],
            targets: ['bakery-block-1'],
            origin: 'Yarmouk camp',
            occurredAt,
            timePrecision: 'exact',
            sources: [FIELD],
          },
        },
      ]);
  });

  it('refuses a report before the baseline', () =>
    given(registered()).when({ ...attack, occurredAt: '2018-04-15T23:59:59Z' }).thenThrows('BEFORE_BASELINE'));

  it('refuses an actor on both sides', () =>
    given(registered()).when({ ...attack, defenders: ['isis'] }).thenThrows('INVALID_COMMAND'));
});

describe('CapturePosition', () => {
  it('records who held each position at occurredAt', () =>
    given(registered())
      .when(capture('isis', ['bakery-block-1', 'bakery-block-2'], WEDNESDAY))
      .then([
        {
          type: 'PositionCaptured',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            by: 'isis',
            positions: ['bakery-block-1', 'bakery-block-2'],
            from: { 'bakery-block-1': 'syrian-regime', 'bakery-block-2': 'syrian-regime' },
            occurredAt: WEDNESDAY,
            timePrecision: 'hour',
            sources: [FIELD],
          },
        },
      ]));

  it('refuses a captor that already holds a position', () =>
    given(registered())
      .when(capture('isis', ['bakery-block-1', 'west-sector'], WEDNESDAY))
      .thenThrows('ALREADY_CONTROLLED', [{ positionId: 'west-sector', controller: 'isis' }]));

  it('evaluates control at occurredAt, not now', () =>
    // ISIS holds block 1 from Thursday on; at Wednesday noon the regime still held it.
    given(registered(), captured('isis', ['bakery-block-1'], THURSDAY))
      .when(capture('hezbollah', ['bakery-block-1'], WEDNESDAY_NOON))
      .then([
        {
          type: 'PositionCaptured',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            by: 'hezbollah',
            positions: ['bakery-block-1'],
            from: { 'bakery-block-1': 'syrian-regime' },
            occurredAt: WEDNESDAY_NOON,
            timePrecision: 'hour',
            sources: [FIELD],
          },
        },
      ]));

  it('slots a late report before later events when it keeps them possible', () =>
    // Recorded: the regime retakes block 1 Thursday. Late report: ISIS had taken it Wednesday.
    given(registered(), retreated('syrian-regime', ['bakery-block-1'], WEDNESDAY_EVENING, 'isis'))
      .when(capture('isis', ['bakery-block-2'], WEDNESDAY))
      .then([
        {
          type: 'PositionCaptured',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            by: 'isis',
            positions: ['bakery-block-2'],
            from: { 'bakery-block-2': 'syrian-regime' },
            occurredAt: WEDNESDAY,
            timePrecision: 'hour',
            sources: [FIELD],
          },
        },
      ]));

  it('places a late capture in time: the holder at occurredAt is the one before later events', () =>
    // ISIS captured block 1 on Thursday (recorded). A late report says the regime still held
    // it Wednesday noon and ISIS took it then: that would make Thursday's capture impossible.
    given(registered(), recorded(captured('isis', ['bakery-block-1'], THURSDAY), 'thursday-capture'))
      .when(capture('isis', ['bakery-block-1'], WEDNESDAY_NOON))
      .thenThrows('TIMELINE_CONFLICT', [
        {
          eventId: 'thursday-capture',
          type: 'PositionCaptured',
          occurredAt: '2018-04-19T10:00:00.000Z',
          positionId: 'bakery-block-1',
          problem: 'ALREADY_CONTROLLED',
        },
      ]));

  it('refuses a late capture that would make a later retreat impossible', () =>
    given(registered(), recorded(retreated('syrian-regime', ['bakery-block-2'], THURSDAY), 'regime-withdrawal'))
      .when(capture('isis', ['bakery-block-2'], WEDNESDAY))
      .thenThrows('TIMELINE_CONFLICT', [
        {
          eventId: 'regime-withdrawal',
          type: 'ForcesRetreated',
          occurredAt: '2018-04-19T10:00:00.000Z',
          positionId: 'bakery-block-2',
          problem: 'NOT_CONTROLLED',
        },
      ]));

  it('refuses the whole capture when one position breaks a rule', () =>
    given(registered())
      .when(capture('isis', ['bakery-block-1', 'no-such-block'], WEDNESDAY))
      .thenThrows('POSITION_UNKNOWN', [{ positionId: 'no-such-block' }]));

  it('refuses an attackId that is not an attack of this neighbourhood', () =>
    given(registered())
      .when({ ...capture('isis', ['bakery-block-1'], WEDNESDAY), attackId: 'missing' } as NeighbourhoodCommand)
      .thenThrows('EVENT_NOT_FOUND'));

  it('orders same-instant events by log position: a new report comes after recorded ones', () =>
    given(registered(), captured('isis', ['bakery-block-1'], WEDNESDAY))
      .when(capture('isis', ['bakery-block-1'], WEDNESDAY))
      .thenThrows('ALREADY_CONTROLLED'));
});

describe('Retreat', () => {
  it('lets the holder withdraw and yield to another actor', () =>
    given(registered())
      .when(retreat('syrian-regime', ['bakery-block-1'], WEDNESDAY, 'isis'))
      .then([
        {
          type: 'ForcesRetreated',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            by: 'syrian-regime',
            positions: ['bakery-block-1'],
            yieldedTo: 'isis',
            occurredAt: WEDNESDAY,
            timePrecision: 'hour',
            sources: [FIELD],
          },
        },
      ]));

  it('refuses a retreat from a position the actor does not hold at occurredAt', () =>
    given(registered(), captured('isis', ['bakery-block-1'], WEDNESDAY))
      .when(retreat('syrian-regime', ['bakery-block-1'], WEDNESDAY_EVENING))
      .thenThrows('NOT_CONTROLLED', [{ positionId: 'bakery-block-1', controller: 'isis' }]));

  it('allows a retreat at an instant before a later capture of the same position', () =>
    given(registered(), captured('isis', ['bakery-block-1'], THURSDAY))
      .when(retreat('syrian-regime', ['bakery-block-1'], WEDNESDAY))
      .then([
        {
          type: 'ForcesRetreated',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            by: 'syrian-regime',
            positions: ['bakery-block-1'],
            occurredAt: WEDNESDAY,
            timePrecision: 'hour',
            sources: [FIELD],
          },
        },
      ]));

  it('refuses a retreat that yields to the retreating actor', () =>
    given(registered()).when(retreat('syrian-regime', ['bakery-block-1'], WEDNESDAY, 'syrian-regime')).thenThrows('INVALID_COMMAND'));
});

describe('ReportCasualties', () => {
  it('records killed and wounded figures', () =>
    given(registered())
      .when({
        type: 'ReportCasualties',
        neighbourhoodId: 'damascus-tadamon',
        actor: 'syrian-regime',
        killed: { low: 11, best: 11 },
        occurredAt: WEDNESDAY_EVENING,
        sources: [FIELD],
      })
      .then([
        {
          type: 'CasualtiesReported',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            actor: 'syrian-regime',
            killed: { low: 11, best: 11 },
            occurredAt: WEDNESDAY_EVENING,
            timePrecision: 'exact',
            sources: [FIELD],
          },
        },
      ]));

  it('refuses figures out of order', () =>
    given(registered())
      .when({
        type: 'ReportCasualties',
        neighbourhoodId: 'damascus-tadamon',
        killed: { low: 20, best: 11 },
        occurredAt: WEDNESDAY_EVENING,
        sources: [FIELD],
      })
      .thenThrows('INVALID_COMMAND'));
});

describe('RetractReport', () => {
  const retract = (eventId: string): NeighbourhoodCommand => ({
    type: 'RetractReport',
    neighbourhoodId: 'damascus-tadamon',
    eventId,
    reason: 'false report',
  });
  const retraction = (eventId: string, retractedType: string): NeighbourhoodEvent =>
    ({ type: 'ReportRetracted', data: { neighbourhoodId: 'damascus-tadamon', eventId, retractedType, reason: 'false report' } }) as NeighbourhoodEvent;

  it('retracts an incident', () =>
    given(registered(), recorded(captured('isis', ['bakery-block-1'], WEDNESDAY), 'false-capture'))
      .when(retract('false-capture'))
      .then([retraction('false-capture', 'PositionCaptured')]));

  it('refuses an unknown event', () => given(registered()).when(retract('nope')).thenThrows('EVENT_NOT_FOUND'));

  it('refuses to retract a non-incident', () =>
    given(recorded(registered(), 'registration')).when(retract('registration')).thenThrows('EVENT_NOT_FOUND'));

  it('refuses to retract twice', () =>
    given(
      registered(),
      recorded(captured('isis', ['bakery-block-1'], WEDNESDAY), 'false-capture'),
      retraction('false-capture', 'PositionCaptured'),
    )
      .when(retract('false-capture'))
      .thenThrows('ALREADY_EXISTS'));

  it('refuses a retraction that would make a later event impossible', () =>
    // Without the Wednesday capture, ISIS never held block 1, so its Thursday retreat could not happen.
    given(
      registered(),
      recorded(captured('isis', ['bakery-block-1'], WEDNESDAY), 'capture'),
      recorded(retreated('isis', ['bakery-block-1'], THURSDAY), 'withdrawal'),
    )
      .when(retract('capture'))
      .thenThrows('TIMELINE_CONFLICT', [
        {
          eventId: 'withdrawal',
          type: 'ForcesRetreated',
          occurredAt: '2018-04-19T10:00:00.000Z',
          positionId: 'bakery-block-1',
          problem: 'NOT_CONTROLLED',
        },
      ]));

  it('makes the retracted event count nowhere in later rule checks', () =>
    // The false capture said ISIS held block 1; once retracted, ISIS may capture it.
    given(
      registered(),
      recorded(captured('isis', ['bakery-block-1'], WEDNESDAY), 'false-capture'),
      retraction('false-capture', 'PositionCaptured'),
    )
      .when(capture('isis', ['bakery-block-1'], THURSDAY))
      .then([
        {
          type: 'PositionCaptured',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            by: 'isis',
            positions: ['bakery-block-1'],
            from: { 'bakery-block-1': 'syrian-regime' },
            occurredAt: THURSDAY,
            timePrecision: 'hour',
            sources: [FIELD],
          },
        },
      ]));

  it('a retracted attack can no longer be referenced', () =>
    given(
      registered(),
      recorded(
        {
          type: 'AttackLaunched',
          data: {
            neighbourhoodId: 'damascus-tadamon',
            attackers: ['isis'],
            defenders: ['syrian-regime'],
            targets: [],
            occurredAt: WEDNESDAY,
            timePrecision: 'day',
            sources: [FIELD],
          },
        },
        'attack',
      ),
      retraction('attack', 'AttackLaunched'),
    )
      .when({ ...capture('isis', ['bakery-block-1'], THURSDAY), attackId: 'attack' } as NeighbourhoodCommand)
      .thenThrows('EVENT_NOT_FOUND'));
});
