import type { PositionSpec, Source } from '../../src/domain/index.js';
import { type EventLog, FIELD_SOURCE } from './event-log.fixture.js';

/*
 * The Tadamon report (shared/seeds/tadamon-report.md) as events.
 *
 * PLACEHOLDER DATES: the article gives weekdays only ("Wednesday", "Thursday"). The calendar
 * dates and hours below are invented to place the reported sequence in time; only their order
 * comes from the report. Position weights and coordinates are placeholders too.
 */
export const T = {
  baseline: '2018-04-16T00:00:00Z', // Monday (placeholder): control before the attack
  actorsRecorded: '2018-04-16T08:00:00Z',
  registered: '2018-04-16T09:00:00Z',
  attack: '2018-04-18T05:00:00Z', // Wednesday: ISIS and other factions attack from Yarmouk camp
  attackRecorded: '2018-04-18T07:00:00Z',
  whileAttackUnresolved: '2018-04-18T06:00:00Z',
  capture: '2018-04-18T09:00:00Z', // Wednesday: ~20 buildings taken
  captureRecorded: '2018-04-18T10:00:00Z',
  wednesdayNoon: '2018-04-18T12:00:00Z',
  counterattack: '2018-04-18T20:00:00Z', // Wednesday evening: regime counterattack near the bakery
  counterattackUnresolved: '2018-04-18T20:30:00Z',
  retake: '2018-04-18T21:00:00Z', // the regime retakes the bakery blocks...
  duringCounterattackWindow: '2018-04-18T23:00:00Z', // ...and holds them for hours
  withdrawal: '2018-04-19T02:00:00Z', // Thursday night: it withdraws again, leaving bodies behind
  afterWithdrawal: '2018-04-19T03:00:00Z',
  lateReportsRecorded: '2018-04-19T08:00:00Z', // the counterattack is only reported on Thursday morning
  beforeLateReports: '2018-04-19T07:00:00Z',
  withdrawalRecorded: '2018-04-19T09:00:00Z',
  thursdayAttack: '2018-04-19T08:30:00Z', // Thursday: ISIS presses on
  thursdayCapture: '2018-04-19T10:00:00Z', // Thursday: new positions; "most of Tadamon"
  thursdayRecorded: '2018-04-19T12:00:00Z',
  thursdayNoon: '2018-04-19T12:00:00Z',
  now: '2018-04-20T00:00:00Z',
} as const;

export const TADAMON = 'damascus-tadamon';

export const AMAQ: Source = { name: 'Amaq', kind: 'partisan agency', reliability: 'E', credibility: 4 };
export const DAMASCUS_NOW: Source = { name: 'Damascus Now', kind: 'partisan network', reliability: 'E', credibility: 4 };
/** A field contact whose identity must not reach analysts. */
export const PROTECTED_CONTACT: Source = {
  name: 'Abu Khaled, resident of Tadamon',
  kind: 'field',
  reliability: 'B',
  credibility: 2,
  url: 'https://example.org/contact/abu-khaled',
  protected: true,
};

/** Total weight 18: ISIS holds 9 after Wednesday (exactly half: no majority) and 13 after Thursday. */
export const POSITIONS: PositionSpec[] = [
  { id: 'west-tadamon', name: 'Western Tadamon', kind: 'sector', weight: 3, coordinates: [36.3001, 33.4752], controller: 'isis' },
  { id: 'bakery-block-1', name: 'Abu Turabi bakery, block 1', nameAr: 'فرن أبو ترابي ١', kind: 'block', weight: 1, coordinates: [36.3032, 33.4741], controller: 'syrian-regime' },
  { id: 'bakery-block-2', name: 'Abu Turabi bakery, block 2', nameAr: 'فرن أبو ترابي ٢', kind: 'block', weight: 1, coordinates: [36.3036, 33.4744], controller: 'syrian-regime' },
  { id: 'north-buildings', name: 'Northern buildings', kind: 'block', weight: 2, coordinates: [36.3041, 33.4772], controller: 'syrian-regime' },
  { id: 'militia-barracks', name: 'Militia barracks', kind: 'building', weight: 1, coordinates: [36.3052, 33.4761], controller: 'iranian-militias' },
  { id: 'hezbollah-post', name: 'Hezbollah checkpoint', kind: 'checkpoint', weight: 1, controller: 'hezbollah' },
  { id: 'east-tadamon', name: 'Eastern Tadamon', kind: 'sector', weight: 4, coordinates: [36.3083, 33.4755], controller: 'syrian-regime' },
  { id: 'south-tadamon', name: 'Southern Tadamon', kind: 'sector', weight: 5, coordinates: [36.3060, 33.4712], controller: 'syrian-regime' },
];

const WEDNESDAY_TARGETS = ['bakery-block-1', 'bakery-block-2', 'north-buildings', 'militia-barracks', 'hezbollah-post'];
const BAKERY = ['bakery-block-1', 'bakery-block-2'];

export const ACTORS = [
  { actorId: 'isis', name: 'Islamic State', nameAr: 'تنظيم داعش', side: 'isis', kind: 'rebel-group' },
  { actorId: 'syrian-regime', name: 'Syrian government forces', nameAr: 'قوات النظام', side: 'pro-government', kind: 'state-forces' },
  { actorId: 'hezbollah', name: 'Hezbollah', nameAr: 'حزب الله', side: 'pro-government', kind: 'external-force' },
  { actorId: 'iranian-militias', name: 'Iran-backed militias', nameAr: 'المليشيات الإيرانية', side: 'pro-government', kind: 'militia' },
  { actorId: 'ndf', name: 'National Defence Forces', nameAr: 'قوات الدفاع الوطني', side: 'pro-government', kind: 'militia' },
  { actorId: 'opposition-factions', name: 'Other opposition factions', nameAr: 'فصائل معارضة أخرى', side: 'opposition', kind: 'rebel-group' },
] as const;

export interface TadamonEventIds {
  readonly attack: string;
  readonly capture: string;
  readonly counterattack: string;
  readonly retake: string;
  readonly withdrawal: string;
  readonly casualties: string;
  readonly thursdayAttack: string;
  readonly thursdayCapture: string;
}

export async function recordActors(log: EventLog): Promise<void> {
  for (const actor of ACTORS) await log.actor({ type: 'ActorRegistered', data: actor }, T.actorsRecorded, `actor-${actor.actorId}`);
}

export async function registerTadamon(log: EventLog, recordedAt: string = T.registered): Promise<void> {
  await log.neighbourhood(
    {
      type: 'NeighbourhoodRegistered',
      data: {
        neighbourhoodId: TADAMON,
        name: 'Tadamon',
        nameAr: 'حي التضامن',
        city: 'Damascus',
        country: 'Syria',
        controlAsOf: T.baseline,
        positions: POSITIONS,
      },
    },
    recordedAt,
    'tadamon-registered',
  );
}

/** The whole report, appended in the order the reports arrived (not the order things happened). */
export async function recordTadamonReport(log: EventLog): Promise<TadamonEventIds> {
  await recordActors(log);
  await registerTadamon(log);
  const base = { neighbourhoodId: TADAMON, timePrecision: 'hour' as const };
  const attack = await log.neighbourhood(
    {
      type: 'AttackLaunched',
      data: {
        ...base,
        attackers: ['isis', 'opposition-factions'],
        defenders: ['syrian-regime', 'hezbollah', 'iranian-militias'],
        targets: WEDNESDAY_TARGETS,
        origin: 'Yarmouk camp, past Babila and Beit Sahm',
        occurredAt: T.attack,
        sources: [FIELD_SOURCE, PROTECTED_CONTACT],
        notes: 'Surprise attack on several axes during the negotiations over the evacuation of the camp',
      },
    },
    T.attackRecorded,
    'wednesday-attack',
  );
  const capture = await log.neighbourhood(
    {
      type: 'PositionCaptured',
      data: {
        ...base,
        by: 'isis',
        positions: WEDNESDAY_TARGETS,
        from: {
          'bakery-block-1': 'syrian-regime',
          'bakery-block-2': 'syrian-regime',
          'north-buildings': 'syrian-regime',
          'militia-barracks': 'iranian-militias',
          'hezbollah-post': 'hezbollah',
        },
        attackId: attack.eventId,
        occurredAt: T.capture,
        sources: [FIELD_SOURCE, AMAQ, DAMASCUS_NOW],
        notes: 'Field sources: about 20 buildings; Amaq: "several points"; Damascus Now: a breach of ten building blocks',
      },
    },
    T.captureRecorded,
    'wednesday-capture',
  );
  // Reported on Thursday morning, about Wednesday evening: late reports.
  const counterattack = await log.neighbourhood(
    {
      type: 'CounterattackLaunched',
      data: {
        ...base,
        by: 'syrian-regime',
        against: 'isis',
        targets: BAKERY,
        inResponseTo: attack.eventId,
        occurredAt: T.counterattack,
        sources: [FIELD_SOURCE],
      },
    },
    T.lateReportsRecorded,
    'regime-counterattack',
  );
  const retake = await log.neighbourhood(
    {
      type: 'PositionCaptured',
      data: { ...base, by: 'syrian-regime', positions: BAKERY, from: { 'bakery-block-1': 'isis', 'bakery-block-2': 'isis' }, occurredAt: T.retake, sources: [FIELD_SOURCE] },
    },
    T.lateReportsRecorded,
    'regime-retakes-bakery',
  );
  const withdrawal = await log.neighbourhood(
    {
      type: 'ForcesRetreated',
      data: { ...base, by: 'syrian-regime', positions: BAKERY, yieldedTo: 'isis', occurredAt: T.withdrawal, sources: [FIELD_SOURCE], notes: 'Held for hours, then withdrew again' },
    },
    T.withdrawalRecorded,
    'regime-withdraws',
  );
  const casualties = await log.neighbourhood(
    {
      type: 'CasualtiesReported',
      data: { ...base, actor: 'syrian-regime', killed: { low: 12, best: 12 }, occurredAt: T.withdrawal, sources: [FIELD_SOURCE], notes: 'More than 11 bodies left behind' },
    },
    T.withdrawalRecorded,
    'regime-casualties',
  );
  const thursdayAttack = await log.neighbourhood(
    {
      type: 'AttackLaunched',
      data: {
        ...base,
        attackers: ['isis'],
        defenders: ['syrian-regime'],
        targets: ['east-tadamon', 'south-tadamon'],
        occurredAt: T.thursdayAttack,
        sources: [FIELD_SOURCE, AMAQ],
      },
    },
    T.thursdayRecorded,
    'thursday-attack',
  );
  const thursdayCapture = await log.neighbourhood(
    {
      type: 'PositionCaptured',
      data: {
        ...base,
        by: 'isis',
        positions: ['east-tadamon'],
        from: { 'east-tadamon': 'syrian-regime' },
        attackId: thursdayAttack.eventId,
        occurredAt: T.thursdayCapture,
        sources: [FIELD_SOURCE, AMAQ],
        notes: 'ISIS now controls most of Tadamon',
      },
    },
    T.thursdayRecorded,
    'thursday-capture',
  );
  return {
    attack: attack.eventId,
    capture: capture.eventId,
    counterattack: counterattack.eventId,
    retake: retake.eventId,
    withdrawal: withdrawal.eventId,
    casualties: casualties.eventId,
    thursdayAttack: thursdayAttack.eventId,
    thursdayCapture: thursdayCapture.eventId,
  };
}
