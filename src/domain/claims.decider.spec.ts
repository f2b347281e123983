import type { NeighbourhoodCommand } from './neighbourhood.commands.js';
import { given as givenAt } from './neighbourhood.decider.fixture.js';
import type { NeighbourhoodEvent, Positioned } from './neighbourhood.events.js';
import type { Source } from './sources.js';

/*
 * DESIGN.md "Reports are claims", rule by rule. Placeholder calendar dates in the week of the
 * Tadamon report: Monday 16 April 2018 is the baseline.
 */
const BASELINE = '2018-04-16T00:00:00Z';
const NOW = Date.parse('2018-04-21T00:00:00Z');
const FIELD: Source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const AMAQ: Source = { name: 'Amaq', kind: 'partisan-agency', reliability: 'D', credibility: 4 };
const ACTORS = new Set(['isis', 'regime', 'ndf']);
const T = 'damascus-tadamon';

/** An hour of Wednesday 18 April (placeholder). */
const wed = (hour: number): string => `2018-04-18T${String(hour).padStart(2, '0')}:00:00Z`;

let position = 0;
const at = <E extends NeighbourhoodEvent>(eventId: string, event: E): Positioned<NeighbourhoodEvent> =>
  ({ ...event, eventId, position: ++position, recordedAt: new Date(NOW).toISOString() }) as Positioned<NeighbourhoodEvent>;

const given = (...events: Positioned<NeighbourhoodEvent>[]) => givenAt({ now: NOW, knownActors: ACTORS }, ...events);

/** bakery-1 and bakery-2 held by the regime, west by ISIS, a square by nobody. */
const registered = (): Positioned<NeighbourhoodEvent> =>
  at('registered', {
    type: 'NeighbourhoodRegistered',
    data: {
      neighbourhoodId: T,
      name: 'Tadamon',
      city: 'Damascus',
      country: 'Syria',
      controlAsOf: BASELINE,
      positions: [
        { id: 'bakery-1', name: 'Bakery block 1', weight: 1, controller: 'regime' },
        { id: 'bakery-2', name: 'Bakery block 2', weight: 1, controller: 'regime' },
        { id: 'west', name: 'West', weight: 2, controller: 'isis' },
        { id: 'square', name: 'Square', weight: 1, controller: null },
      ],
    },
  });

const fields = (occurredAt: string, sources: readonly Source[] = [FIELD]) => ({ occurredAt, timePrecision: 'hour' as const, sources });

const captured = (by: string, positions: string[], occurredAt: string, extra: Record<string, unknown> = {}): NeighbourhoodEvent => ({
  type: 'PositionCaptured',
  data: { neighbourhoodId: T, by, positions, from: {}, ...fields(occurredAt), ...extra },
});

const retreated = (by: string, positions: string[], occurredAt: string, yieldedTo?: string): NeighbourhoodEvent => ({
  type: 'ForcesRetreated',
  data: { neighbourhoodId: T, by, positions, ...(yieldedTo ? { yieldedTo } : {}), ...fields(occurredAt) },
});

const attacked = (attackers: string[], targets: string[], occurredAt: string): NeighbourhoodEvent => ({
  type: 'AttackLaunched',
  data: { neighbourhoodId: T, attackers, defenders: ['regime'], targets, ...fields(occurredAt) },
});

const assessed = (eventId: string, status: 'confirmed' | 'disputed' | 'refuted', standing: string, assessedType = 'PositionCaptured'): NeighbourhoodEvent =>
  ({ type: 'ReportAssessed', data: { neighbourhoodId: T, eventId, assessedType, status, reason: 'checked', standing } }) as NeighbourhoodEvent;

const capture = (by: string, positions: string[], occurredAt: string, extra: Partial<Record<string, unknown>> = {}): NeighbourhoodCommand =>
  ({ type: 'CapturePosition', neighbourhoodId: T, by, positions, onConflict: 'record', ...fields(occurredAt), ...extra }) as NeighbourhoodCommand;

const retreat = (by: string, positions: string[], occurredAt: string, yieldedTo?: string, extra: Record<string, unknown> = {}): NeighbourhoodCommand =>
  ({
    type: 'Retreat',
    neighbourhoodId: T,
    by,
    positions,
    onConflict: 'record',
    ...(yieldedTo ? { yieldedTo } : {}),
    ...fields(occurredAt),
    ...extra,
  }) as NeighbourhoodCommand;

const assess = (eventId: string, status: 'confirmed' | 'disputed' | 'refuted'): NeighbourhoodCommand => ({
  type: 'AssessReport',
  neighbourhoodId: T,
  eventId,
  status,
  reason: 'checked',
});

const dataOf = (events: NeighbourhoodEvent[]): Record<string, unknown> => events[0]!.data as Record<string, unknown>;

describe('record mode: captures', () => {
  it('a capture of positions the captor already holds corroborates the events that made them so; with a change of hands it is accepted', () => {
    const first = at('isis-takes-bakery-1', captured('isis', ['bakery-1'], wed(8)));
    const data = dataOf(given(registered(), first).when(capture('isis', ['bakery-1', 'bakery-2', 'west'], wed(10))).decide());
    expect(data).toMatchObject({
      standing: 'accepted',
      // bakery-1 by the first capture; west since the baseline, which is not listed.
      corroborates: ['isis-takes-bakery-1'],
      from: { 'bakery-1': 'isis', 'bakery-2': 'regime', west: 'isis' },
    });
    expect(data).not.toHaveProperty('conflictsWith');
  });

  it('when every position already stands as claimed it is corroborating, with [] when only the baseline made them so', () => {
    const data = dataOf(given(registered()).when(capture('isis', ['west'], wed(10))).decide());
    expect(data).toMatchObject({ standing: 'corroborating', corroborates: [], from: { west: 'isis' } });
  });

  it('lists each corroborated event once, in the order of the positions', () => {
    const taken = at('isis-takes-both', captured('isis', ['bakery-2', 'bakery-1'], wed(8)));
    const data = dataOf(given(registered(), taken).when(capture('isis', ['bakery-1', 'bakery-2'], wed(10))).decide());
    expect(data).toMatchObject({ standing: 'corroborating', corroborates: ['isis-takes-both'] });
  });

  it('a late capture that would make a later report impossible is conflicting: TIMELINE_CONFLICT, what it contradicts, nothing corroborated', () => {
    const later = at('regime-leaves', retreated('regime', ['bakery-1'], wed(12), 'ndf'));
    const data = dataOf(given(registered(), later).when(capture('isis', ['bakery-1', 'west'], wed(9))).decide());
    expect(data).toMatchObject({ standing: 'conflicting', conflictCode: 'TIMELINE_CONFLICT', conflictsWith: ['regime-leaves'] });
    expect(data).not.toHaveProperty('corroborates');
  });

  it('refuse mode is unchanged: the captor already holding a position is ALREADY_CONTROLLED', () =>
    given(registered()).when(capture('isis', ['west'], wed(10), { onConflict: 'refuse' })).thenThrows('ALREADY_CONTROLLED'));

  it('record mode still refuses what is not a contradiction: unknown ids, the future, before the baseline', () => {
    given(registered()).when(capture('isis', ['nowhere'], wed(10))).thenThrows('POSITION_UNKNOWN');
    given(registered()).when(capture('hamas', ['west'], wed(10))).thenThrows('ACTOR_UNKNOWN');
    given(registered()).when(capture('isis', ['west'], '2018-05-01T00:00:00Z')).thenThrows('OCCURRED_IN_FUTURE');
    given(registered()).when(capture('isis', ['west'], '2018-04-15T00:00:00Z')).thenThrows('BEFORE_BASELINE');
  });

  it('a new report sorts after every report recorded at its occurredAt: an equal time alone is no conflict', () => {
    const same = at('regime-leaves-at-10', retreated('regime', ['bakery-1'], wed(10)));
    const data = dataOf(given(registered(), same).when(capture('isis', ['bakery-1'], wed(10))).decide());
    expect(data).toMatchObject({ from: { 'bakery-1': null } });
    expect(data).not.toHaveProperty('standing');
  });
});

describe('record mode: retreats', () => {
  it('positions already held by yieldedTo, or by nobody without it, are corroborated', () => {
    const handed = at('ndf-takes-bakery-2', captured('ndf', ['bakery-2'], wed(8)));
    const toNdf = dataOf(given(registered(), handed).when(retreat('regime', ['bakery-1', 'bakery-2'], wed(10), 'ndf')).decide());
    expect(toNdf).toMatchObject({ standing: 'accepted', corroborates: ['ndf-takes-bakery-2'] });
    const toNobody = dataOf(given(registered()).when(retreat('regime', ['square'], wed(10))).decide());
    expect(toNobody).toMatchObject({ standing: 'corroborating', corroborates: [] });
  });

  it('a retreat from a position a third actor holds is conflicting: NOT_CONTROLLED, naming the event that gave it to them', () => {
    const taken = at('isis-takes-bakery-1', captured('isis', ['bakery-1'], wed(8)));
    const data = dataOf(given(registered(), taken).when(retreat('regime', ['bakery-1', 'bakery-2'], wed(10), 'ndf')).decide());
    expect(data).toMatchObject({ standing: 'conflicting', conflictCode: 'NOT_CONTROLLED', conflictsWith: ['isis-takes-bakery-1'] });
  });

  it('the union over positions: a third-party holder and a later report in the way are both named', () => {
    const taken = at('isis-takes-bakery-1', captured('isis', ['bakery-1'], wed(8)));
    const later = at('regime-leaves-bakery-2', retreated('regime', ['bakery-2'], wed(12)));
    const data = dataOf(given(registered(), taken, later).when(retreat('regime', ['bakery-1', 'bakery-2'], wed(10), 'ndf')).decide());
    expect(data).toMatchObject({ conflictCode: 'NOT_CONTROLLED', conflictsWith: ['isis-takes-bakery-1', 'regime-leaves-bakery-2'] });
  });

  it('refuse mode is unchanged: a position held by yieldedTo is NOT_CONTROLLED', () =>
    given(registered(), at('ndf-west', captured('ndf', ['west'], wed(8))))
      .when(retreat('isis', ['west'], wed(10), 'ndf', { onConflict: 'refuse' }))
      .thenThrows('NOT_CONTROLLED'));

  it('the accepted timeline keeps corroborations it holds: a late report giving the position to a third actor before one is refused', () => {
    // The mixed retreat corroborates that nobody holds the square at 12:00.
    const mixed = at('regime-leaves', retreated('regime', ['bakery-1', 'square'], wed(12)));
    given(registered(), mixed).when(capture('isis', ['square'], wed(10), { onConflict: 'refuse' })).thenThrows('TIMELINE_CONFLICT', [
      { eventId: 'regime-leaves', type: 'ForcesRetreated', occurredAt: '2018-04-18T12:00:00.000Z', positionId: 'square', problem: 'NOT_CONTROLLED' },
    ]);
  });
});

describe('assessments', () => {
  const taken = () => at('isis-takes-bakery-1', captured('isis', ['bakery-1'], wed(8)));

  it('records the status and the standing it leaves the report in', () =>
    given(registered(), taken()).when(assess('isis-takes-bakery-1', 'confirmed')).then([
      {
        type: 'ReportAssessed',
        data: {
          neighbourhoodId: T,
          eventId: 'isis-takes-bakery-1',
          assessedType: 'PositionCaptured',
          status: 'confirmed',
          reason: 'checked',
          standing: 'accepted',
        },
      },
    ]));

  it('the same status again is ALREADY_EXISTS; a retracted report is REPORT_RETRACTED, checked first', () => {
    given(registered(), taken(), at('a1', assessed('isis-takes-bakery-1', 'disputed', 'accepted')))
      .when(assess('isis-takes-bakery-1', 'disputed'))
      .thenThrows('ALREADY_EXISTS');
    const retracted = at('x1', {
      type: 'ReportRetracted',
      data: { neighbourhoodId: T, eventId: 'isis-takes-bakery-1', retractedType: 'PositionCaptured', reason: 'false' },
    });
    given(registered(), taken(), at('a2', assessed('isis-takes-bakery-1', 'disputed', 'accepted')), retracted)
      .when(assess('isis-takes-bakery-1', 'disputed'))
      .thenThrows('REPORT_RETRACTED');
  });

  it('a report that is no incident of this neighbourhood is EVENT_NOT_FOUND', () =>
    given(registered()).when(assess('nothing-like-it', 'confirmed')).thenThrows('EVENT_NOT_FOUND'));

  it('refuting a report takes it out of the accepted timeline: the position is back with its holder before', () => {
    const refuted = at('a3', assessed('isis-takes-bakery-1', 'refuted', 'accepted'));
    // With the capture refuted, the regime holds bakery-1 again and may leave it.
    given(registered(), taken(), refuted).when(retreat('regime', ['bakery-1'], wed(10), undefined, { onConflict: 'refuse' })).decide();
    given(registered(), taken()).when(retreat('regime', ['bakery-1'], wed(10), undefined, { onConflict: 'refuse' })).thenThrows('NOT_CONTROLLED');
  });

  it('refuting a report a later one depends on is TIMELINE_CONFLICT, as a retraction is', () => {
    const later = at('isis-leaves', retreated('isis', ['bakery-1'], wed(12), 'ndf'));
    given(registered(), taken(), later).when(assess('isis-takes-bakery-1', 'refuted')).thenThrows('TIMELINE_CONFLICT', [
      { eventId: 'isis-leaves', type: 'ForcesRetreated', occurredAt: '2018-04-18T12:00:00.000Z', positionId: 'bakery-1', problem: 'NOT_CONTROLLED' },
    ]);
  });

  it('refuting or disputing a conflicting report checks nothing and changes no standing', () => {
    const conflicting = at('claim', captured('isis', ['bakery-1'], wed(9), { standing: 'conflicting', conflictCode: 'TIMELINE_CONFLICT', conflictsWith: ['x'] }));
    expect(dataOf(given(registered(), conflicting).when(assess('claim', 'refuted')).decide())).toMatchObject({ standing: 'conflicting' });
    expect(dataOf(given(registered(), conflicting).when(assess('claim', 'disputed')).decide())).toMatchObject({ standing: 'conflicting' });
  });

  it('confirming a conflicting report that now fits promotes it to accepted', () => {
    const blocking = at('regime-leaves', retreated('regime', ['bakery-1'], wed(12), 'ndf'));
    const conflicting = at('claim', captured('isis', ['bakery-1'], wed(9), { standing: 'conflicting', conflictCode: 'TIMELINE_CONFLICT', conflictsWith: ['regime-leaves'] }));
    const retracted = at('x2', { type: 'ReportRetracted', data: { neighbourhoodId: T, eventId: 'regime-leaves', retractedType: 'ForcesRetreated', reason: 'false' } });
    given(registered(), blocking, conflicting, retracted).when(assess('claim', 'confirmed')).then([
      {
        type: 'ReportAssessed',
        data: { neighbourhoodId: T, eventId: 'claim', assessedType: 'PositionCaptured', status: 'confirmed', reason: 'checked', standing: 'accepted', promoted: true },
      },
    ]);
  });

  it('confirming a conflicting report that still does not fit is TIMELINE_CONFLICT naming what blocks it', () => {
    const blocking = at('regime-leaves', retreated('regime', ['bakery-1'], wed(12), 'ndf'));
    const conflicting = at('claim', captured('isis', ['bakery-1'], wed(9), { standing: 'conflicting', conflictCode: 'TIMELINE_CONFLICT', conflictsWith: ['regime-leaves'] }));
    given(registered(), blocking, conflicting).when(assess('claim', 'confirmed')).thenThrows('TIMELINE_CONFLICT', [{ eventId: 'regime-leaves' }]);
  });

  it('taking a report out of refuted checks it again: it may come back corroborating', () => {
    const first = taken();
    const refuted = at('a4', assessed('isis-takes-bakery-1', 'refuted', 'accepted'));
    // Meanwhile another report gave bakery-1 to ISIS earlier, at 07:00.
    const earlier = at('isis-earlier', captured('isis', ['bakery-1'], wed(7)));
    given(registered(), first, refuted, earlier).when(assess('isis-takes-bakery-1', 'disputed')).then([
      {
        type: 'ReportAssessed',
        data: {
          neighbourhoodId: T,
          eventId: 'isis-takes-bakery-1',
          assessedType: 'PositionCaptured',
          status: 'disputed',
          reason: 'checked',
          standing: 'corroborating',
          promoted: true,
          corroborates: ['isis-earlier'],
        },
      },
    ]);
  });

  it('a promoted report counts again: a later capture by the same actor is then ALREADY_CONTROLLED', () => {
    const conflicting = at('claim', captured('isis', ['bakery-1'], wed(9), { standing: 'conflicting', conflictCode: 'TIMELINE_CONFLICT', conflictsWith: [] }));
    const promoted = at('a5', assessed('claim', 'confirmed', 'accepted'));
    given(registered(), conflicting).when(capture('isis', ['bakery-1'], wed(10), { onConflict: 'refuse' })).decide();
    given(registered(), conflicting, promoted).when(capture('isis', ['bakery-1'], wed(10), { onConflict: 'refuse' })).thenThrows('ALREADY_CONTROLLED');
  });

  it('retracting or refuting a report that others corroborate leaves them as they are', () => {
    const first = taken();
    const corroborating = at('amaq', captured('isis', ['bakery-1'], wed(10), { standing: 'corroborating', corroborates: ['isis-takes-bakery-1'] }));
    // The corroborating report folds nowhere: refuting the first needs no check and touches it not.
    const data = dataOf(given(registered(), first, corroborating).when(assess('isis-takes-bakery-1', 'refuted')).decide());
    expect(data).toMatchObject({ eventId: 'isis-takes-bakery-1', standing: 'accepted' });
  });

  it('attackId may cite a refuted attack', () => {
    const attack = at('attack', attacked(['isis'], ['bakery-1'], wed(6)));
    const refuted = at('a6', assessed('attack', 'refuted', 'accepted', 'AttackLaunched'));
    given(registered(), attack, refuted).when(capture('isis', ['bakery-1'], wed(8), { attackId: 'attack', onConflict: 'refuse' })).decide();
  });
});

describe('provenance time', () => {
  it("a report's reportedAt is the earliest its sources give", () => {
    const sources = [
      { ...FIELD, reportedAt: '2018-04-19T09:00:00+03:00' },
      { ...AMAQ, reportedAt: '2018-04-19T08:00:00Z' },
      { name: 'no date', kind: 'field', reliability: 'C', credibility: 3 },
    ];
    expect(dataOf(given(registered()).when(capture('isis', ['bakery-1'], wed(8), { sources })).decide())).toMatchObject({
      reportedAt: '2018-04-19T06:00:00.000Z',
    });
  });

  it('without a source date there is none: recordedAt stands in', () =>
    expect(dataOf(given(registered()).when(capture('isis', ['bakery-1'], wed(8))).decide())).not.toHaveProperty('reportedAt'));

  it.each([
    ['exact', '2018-04-18T08:30:00Z', '2018-04-18T08:29:59Z', '2018-04-18T08:30:00Z'],
    ['hour', '2018-04-18T08:30:00Z', '2018-04-18T07:59:59Z', '2018-04-18T08:00:00Z'],
    ['day', '2018-04-18T08:30:00Z', '2018-04-17T23:59:59Z', '2018-04-18T00:00:00Z'],
    // Wednesday 18 April: the week starts on Monday the 16th.
    ['week', '2018-04-18T08:30:00Z', '2018-04-15T23:59:59Z', '2018-04-16T00:00:00Z'],
    ['month', '2018-04-18T08:30:00Z', '2018-03-31T23:59:59Z', '2018-04-01T00:00:00Z'],
  ])('%s precision: published before the window of occurredAt is REPORTED_BEFORE_OCCURRED, at its start is fine', (precision, occurredAt, tooEarly, start) => {
    const published = (reportedAt: string) =>
      capture('isis', ['bakery-1'], occurredAt, { timePrecision: precision, sources: [{ ...FIELD, reportedAt }] });
    given(registered()).when(published(tooEarly)).thenThrows('REPORTED_BEFORE_OCCURRED');
    expect(dataOf(given(registered()).when(published(start)).decide())).toMatchObject({ reportedAt: new Date(start).toISOString() });
  });

  it("a source dated after the server's clock (beyond the skew) is refused as invalid input", () =>
    given(registered())
      .when(capture('isis', ['bakery-1'], wed(8), { sources: [{ ...FIELD, reportedAt: '2018-04-21T00:05:01Z' }] }))
      .thenThrows('VALIDATION_FAILED', [
        { field: 'sources[0].reportedAt', problems: ["sources[0].reportedAt 2018-04-21T00:05:01Z is later than the server's clock"] },
      ]));
});
