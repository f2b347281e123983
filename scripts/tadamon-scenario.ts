/**
 * The Tadamon report (southern Damascus, 2018) as a sequence of API requests.
 *
 * The article gives weekdays, not dates: every calendar date below is a PLACEHOLDER chosen
 * for the week of 16 April 2018 (Monday 16th = baseline, Wednesday 18th, Thursday 19th).
 * Hours are placeholders too, ordered as the report orders the events.
 *
 * Position weights are rough building counts: "about 20 buildings" captured on Wednesday
 * (two blocks of ten), the bakery blocks, the militia barracks, Thursday's new positions, and
 * the parts of Tadamon each side already held. They are chosen so that ISIS holds exactly
 * half of Tadamon after Wednesday and most of it after Thursday, as the report says.
 */

export const PLACEHOLDER_DATES = {
  baseline: '2018-04-16T00:00:00Z',
  wednesdayAttack: '2018-04-18T06:00:00Z',
  wednesdayCaptures: '2018-04-18T10:00:00Z',
  counterattack: '2018-04-18T22:00:00Z',
  counterattackRetakes: '2018-04-18T23:00:00Z',
  withdrawal: '2018-04-19T04:00:00Z',
  thursdayAdvance: '2018-04-19T14:00:00Z',
  missiles: '2018-04-19T18:00:00Z',
  /** When each outlet published its account (placeholders too, in the order the report gives). */
  amaqPublished: '2018-04-18T14:00:00Z',
  damascusNowPublished: '2018-04-18T16:00:00Z',
  handoverClaimed: '2018-04-19T03:00:00Z',
  handoverPublished: '2018-04-19T09:00:00Z',
} as const;

export interface ScenarioStep {
  /** Label: the step's Idempotency-Key suffix and the name later steps use for its event id. */
  readonly label: string;
  readonly summary: string;
  readonly path: string;
  /** Commands that need another role than a writer's: assessments (editor), retractions (admin). */
  readonly role?: 'writer' | 'editor' | 'admin';
  readonly body: (eventIds: Readonly<Record<string, string>>) => Record<string, unknown>;
}

const field = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const activists = { name: 'local activists', kind: 'field', reliability: 'C', credibility: 3 };
const amaq = { name: 'Amaq (أعماق)', kind: 'partisan-agency', reliability: 'D', credibility: 4 };
const damascusNow = { name: 'Damascus Now (دمشق الآن)', kind: 'partisan-network', reliability: 'D', credibility: 3 };
const article = { name: 'Arabic news report on the Tadamon attack', kind: 'news', reliability: 'B', credibility: 3 };

const TADAMON = 'damascus-tadamon';
const incidents = (kind: string) => `/v1/neighbourhoods/${TADAMON}/${kind}`;

const actor = (id: string, name: string, nameAr: string, side: string, kind: string): ScenarioStep => ({
  label: `actor-${id}`,
  summary: `register actor ${name}`,
  path: '/v1/actors',
  body: () => ({ id, name, nameAr, side, kind }),
});

const isisHeldNeighbourhood = (id: string, name: string, nameAr: string): ScenarioStep => ({
  label: `neighbourhood-${id}`,
  summary: `register ${name}, held by ISIS`,
  path: '/v1/neighbourhoods',
  body: () => ({
    id,
    name,
    nameAr,
    city: 'Damascus',
    country: 'Syria',
    controlAsOf: PLACEHOLDER_DATES.baseline,
    positions: [{ id: `${id}-core`, name: `${name} (most of it)`, kind: 'sector', weight: 1, controller: 'isis' }],
  }),
});

export const TADAMON_POSITIONS = {
  isisPart: 'west-tadamon',
  blockA: 'buildings-block-a',
  blockB: 'buildings-block-b',
  bakery1: 'abu-turabi-bakery-1',
  bakery2: 'abu-turabi-bakery-2',
  barracks: 'militia-barracks',
  southern: 'southern-blocks',
  regimePart: 'east-tadamon',
} as const;

const P = TADAMON_POSITIONS;

export const tadamonScenario: readonly ScenarioStep[] = [
  actor('isis', 'Islamic State (ISIS / Daesh)', 'تنظيم داعش', 'isis', 'rebel-group'),
  actor('syrian-regime', 'Syrian government forces', 'قوات النظام', 'pro-government', 'state-forces'),
  actor('hezbollah', 'Hezbollah', 'حزب الله', 'pro-government', 'external-force'),
  actor('iranian-militias', 'Iran-backed militias', 'المليشيات الإيرانية', 'pro-government', 'militia'),
  actor('ndf', 'National Defence Forces', 'قوات الدفاع الوطني', 'pro-government', 'militia'),
  actor('opposition-factions', 'Other opposition factions', 'فصائل معارضة أخرى', 'opposition', 'rebel-group'),
  {
    label: 'neighbourhood-tadamon',
    summary: 'register Tadamon: ISIS holds part of it, the regime and its allies the rest',
    path: '/v1/neighbourhoods',
    body: () => ({
      id: TADAMON,
      name: 'Tadamon',
      nameAr: 'حي التضامن',
      city: 'Damascus',
      country: 'Syria',
      controlAsOf: PLACEHOLDER_DATES.baseline,
      positions: [
        { id: P.isisPart, name: 'Western Tadamon', kind: 'sector', weight: 6, coordinates: [36.3005, 33.4835], controller: 'isis' },
        { id: P.blockA, name: 'Building block A (ten buildings)', kind: 'block', weight: 10, coordinates: [36.3032, 33.4851], controller: 'syrian-regime' },
        { id: P.blockB, name: 'Building block B (ten buildings)', kind: 'block', weight: 10, coordinates: [36.3041, 33.4838], controller: 'hezbollah' },
        { id: P.bakery1, name: 'Abu Turabi bakery, north block', nameAr: 'فرن أبو ترابي', kind: 'block', weight: 2, coordinates: [36.3049, 33.4862], controller: 'syrian-regime' },
        { id: P.bakery2, name: 'Abu Turabi bakery, south block', nameAr: 'فرن أبو ترابي', kind: 'block', weight: 2, coordinates: [36.3052, 33.4857], controller: 'syrian-regime' },
        { id: P.barracks, name: 'Foreign militia barracks', kind: 'building', weight: 2, coordinates: [36.3027, 33.4824], controller: 'iranian-militias' },
        { id: P.southern, name: 'Southern blocks', kind: 'block', weight: 12, coordinates: [36.3019, 33.4809], controller: 'syrian-regime' },
        { id: P.regimePart, name: 'Eastern Tadamon', kind: 'sector', weight: 20, coordinates: [36.3078, 33.4846], controller: 'syrian-regime' },
      ],
    }),
  },
  isisHeldNeighbourhood('damascus-yarmouk-camp', 'Yarmouk camp', 'مخيم اليرموك'),
  isisHeldNeighbourhood('damascus-hajar-al-aswad', 'al-Hajar al-Aswad', 'الحجر الأسود'),
  isisHeldNeighbourhood('damascus-qadam-asali', 'al-Asali, al-Qadam', 'العسالي في حي القدم'),
  {
    label: 'wednesday-attack',
    summary: 'Wednesday: ISIS and other factions attack regime, Hezbollah and Iranian militia units',
    path: incidents('attacks'),
    body: () => ({
      attackers: ['isis', 'opposition-factions'],
      defenders: ['syrian-regime', 'hezbollah', 'iranian-militias'],
      targets: [P.blockA, P.blockB, P.bakery1, P.bakery2, P.barracks],
      origin: 'Yarmouk camp, past opposition areas near Babila and Beit Sahm (ببيلا، بيت سحم)',
      occurredAt: PLACEHOLDER_DATES.wednesdayAttack,
      timePrecision: 'day',
      sources: [article, activists],
      notes: 'Surprise attack on several axes, exploiting slack front lines during negotiations over the evacuation of the camp.',
    }),
  },
  {
    label: 'wednesday-captures',
    summary: 'Wednesday: ISIS captures block A, the bakery blocks and the militia barracks',
    path: incidents('captures'),
    body: (ids) => ({
      by: 'isis',
      positions: [P.blockA, P.bakery1, P.bakery2, P.barracks],
      attackId: ids['wednesday-attack'],
      occurredAt: PLACEHOLDER_DATES.wednesdayCaptures,
      timePrecision: 'day',
      sources: [field, amaq, damascusNow],
      notes: 'Field sources: about 20 buildings. Amaq: "several points". Damascus Now: a breach that took ten building blocks.',
    }),
  },
  {
    label: 'wednesday-captures-block-b',
    summary: 'Wednesday: ISIS captures block B (field sources only: about 20 buildings in all)',
    path: incidents('captures'),
    body: (ids) => ({
      by: 'isis',
      positions: [P.blockB],
      attackId: ids['wednesday-attack'],
      occurredAt: PLACEHOLDER_DATES.wednesdayCaptures,
      timePrecision: 'day',
      sources: [field],
    }),
  },
  {
    label: 'wednesday-casualties',
    summary: 'Wednesday: tens killed and wounded in the clashes',
    path: incidents('casualties'),
    body: () => ({
      killed: { low: 10, best: 20, high: 99 },
      wounded: { low: 10, best: 20, high: 99 },
      occurredAt: PLACEHOLDER_DATES.wednesdayCaptures,
      timePrecision: 'day',
      sources: [article],
      notes: '"Tens killed and wounded": figures are the range the wording allows, not counts.',
    }),
  },
  {
    label: 'counterattack',
    summary: 'Wednesday night: regime forces counterattack near the Abu Turabi bakery',
    path: incidents('counterattacks'),
    body: (ids) => ({
      by: 'syrian-regime',
      against: 'isis',
      targets: [P.bakery1, P.bakery2],
      inResponseTo: ids['wednesday-attack'],
      occurredAt: PLACEHOLDER_DATES.counterattack,
      timePrecision: 'hour',
      sources: [article],
    }),
  },
  {
    label: 'counterattack-retakes',
    summary: 'Wednesday night: the regime retakes the bakery blocks',
    path: incidents('captures'),
    body: (ids) => ({
      by: 'syrian-regime',
      positions: [P.bakery1, P.bakery2],
      attackId: ids['counterattack'],
      occurredAt: PLACEHOLDER_DATES.counterattackRetakes,
      timePrecision: 'hour',
      sources: [article],
    }),
  },
  {
    label: 'withdrawal',
    summary: 'Thursday, hours later: the regime withdraws from the bakery blocks again',
    path: incidents('retreats'),
    body: () => ({
      by: 'syrian-regime',
      positions: [P.bakery1, P.bakery2],
      yieldedTo: 'isis',
      occurredAt: PLACEHOLDER_DATES.withdrawal,
      timePrecision: 'hour',
      sources: [article],
    }),
  },
  {
    label: 'withdrawal-casualties',
    summary: 'Thursday: more than 11 bodies of regime fighters left behind',
    path: incidents('casualties'),
    body: () => ({
      actor: 'syrian-regime',
      killed: { low: 12, best: 12 },
      occurredAt: PLACEHOLDER_DATES.withdrawal,
      timePrecision: 'hour',
      sources: [article],
      notes: '"More than 11 bodies".',
    }),
  },
  {
    label: 'thursday-advance',
    summary: 'Thursday: ISIS captures new positions and now holds most of Tadamon',
    path: incidents('captures'),
    body: () => ({
      by: 'isis',
      positions: [P.southern],
      occurredAt: PLACEHOLDER_DATES.thursdayAdvance,
      timePrecision: 'day',
      sources: [article],
    }),
  },
  {
    label: 'missiles',
    summary: 'Thursday: regime forces fire surface-to-surface missiles at ISIS positions',
    path: incidents('attacks'),
    body: () => ({
      attackers: ['syrian-regime'],
      defenders: ['isis'],
      occurredAt: PLACEHOLDER_DATES.missiles,
      timePrecision: 'day',
      sources: [article],
      notes: 'The National Defence Forces are said to be preparing to retake the lost points.',
    }),
  },
  // The report's sources disagree about the same advance: each outlet's own claim is recorded
  // beside the field sources' one, as a claim, with when it was published.
  {
    label: 'damascus-now-claim',
    summary: 'Damascus Now: a breach that took ten building blocks (block A), a narrower claim of the same advance',
    path: incidents('captures'),
    body: () => ({
      by: 'isis',
      positions: [P.blockA],
      occurredAt: PLACEHOLDER_DATES.wednesdayCaptures,
      timePrecision: 'day',
      onConflict: 'record',
      sources: [{ ...damascusNow, reportedAt: PLACEHOLDER_DATES.damascusNowPublished }],
      notes: 'Pro-government network: "a breach" in which ISIS took ten building blocks.',
    }),
  },
  {
    label: 'amaq-claim',
    summary: 'Amaq: "several points" of the regime forces captured (the barracks and the bakery)',
    path: incidents('captures'),
    body: () => ({
      by: 'isis',
      positions: [P.barracks, P.bakery1],
      occurredAt: PLACEHOLDER_DATES.wednesdayCaptures,
      timePrecision: 'day',
      onConflict: 'record',
      sources: [{ ...amaq, reportedAt: PLACEHOLDER_DATES.amaqPublished }],
      notes: 'ISIS\'s agency: "several points" of the regime forces.',
    }),
  },
  {
    label: 'handover-claim',
    summary: 'Damascus Now: the army handed the bakery blocks to the National Defence Forces (contradicts the withdrawal)',
    path: incidents('retreats'),
    body: () => ({
      by: 'syrian-regime',
      positions: [P.bakery1, P.bakery2],
      yieldedTo: 'ndf',
      occurredAt: PLACEHOLDER_DATES.handoverClaimed,
      timePrecision: 'hour',
      onConflict: 'record',
      sources: [{ ...damascusNow, reportedAt: PLACEHOLDER_DATES.handoverPublished }],
      notes: 'Claimed by the pro-government network; the report says the regime withdrew and ISIS took the positions back.',
    }),
  },
  {
    label: 'confirm-captures',
    summary: 'Editor: the field sources, Amaq and Damascus Now agree that the Wednesday positions fell',
    path: `/v1/neighbourhoods/${TADAMON}/assessments`,
    role: 'editor',
    body: (ids) => ({
      eventId: ids['wednesday-captures'],
      status: 'confirmed',
      reason: 'Field sources, Amaq and Damascus Now all report the positions lost, in different words.',
    }),
  },
  {
    label: 'dispute-handover',
    summary: 'Editor: no other source mentions a handover to the National Defence Forces',
    path: `/v1/neighbourhoods/${TADAMON}/assessments`,
    role: 'editor',
    body: (ids) => ({
      eventId: ids['handover-claim'],
      status: 'disputed',
      reason: 'Only the pro-government network reports it; the report itself says the regime withdrew.',
    }),
  },
];
