import type { NeighbourhoodCommand } from './neighbourhood.commands.js';
import { given as givenAt } from './neighbourhood.decider.fixture.js';
import type { NeighbourhoodEvent, Positioned } from './neighbourhood.events.js';
import type { Source } from './sources.js';

/*
 * What real datasets need: attacks that name no defender (shelling a place), counterattacks that
 * name nobody struck back at, and clashes inside one category of actors. Placeholder dates.
 */
const NOW = Date.parse('2018-04-21T00:00:00Z');
const FIELD: Source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const T = 'deir-ez-zor-city';
const registered: Positioned<NeighbourhoodEvent> = {
  type: 'NeighbourhoodRegistered',
  data: { neighbourhoodId: T, name: 'Deir ez-Zor', city: 'Deir ez-Zor', country: 'Syria', controlAsOf: '2018-01-01T00:00:00Z', positions: [{ id: 'site', name: 'Site', weight: 1, controller: null }] },
  eventId: 'registered',
  position: 1,
  recordedAt: '2018-01-01T00:00:00.000Z',
};
const context = {
  now: NOW,
  knownActors: new Set(['tribal-militia', 'regime', 'civilians']),
  actorKinds: new Map([
    ['tribal-militia', 'unidentified' as const],
    ['civilians', 'civilians' as const],
  ]),
};
const given = () => givenAt(context, registered);
const fields = { neighbourhoodId: T, occurredAt: '2018-04-18T00:00:00Z', timePrecision: 'day' as const, sources: [FIELD] };

describe('real-data relaxations', () => {
  it('an attack may name no defender: stored as []', () =>
    given()
      .when({ type: 'LaunchAttack', attackers: ['regime'], ...fields })
      .then([{ type: 'AttackLaunched', data: { neighbourhoodId: T, attackers: ['regime'], defenders: [], targets: [], occurredAt: fields.occurredAt, timePrecision: 'day', sources: [FIELD] } }]));

  it('a counterattack may name nobody it strikes back at', () =>
    given()
      .when({ type: 'LaunchCounterattack', by: 'regime', ...fields } as NeighbourhoodCommand)
      .then([{ type: 'CounterattackLaunched', data: { neighbourhoodId: T, by: 'regime', targets: [], occurredAt: fields.occurredAt, timePrecision: 'day', sources: [FIELD] } }]));

  it('an unidentified actor may stand on both sides of a clash; any other may not', () => {
    given().when({ type: 'LaunchAttack', attackers: ['tribal-militia'], defenders: ['tribal-militia'], ...fields }).decide();
    given().when({ type: 'LaunchAttack', attackers: ['regime'], defenders: ['regime'], ...fields }).thenThrows('INVALID_COMMAND');
    given().when({ type: 'LaunchCounterattack', by: 'tribal-militia', against: 'tribal-militia', ...fields } as NeighbourhoodCommand).decide();
    given().when({ type: 'LaunchCounterattack', by: 'regime', against: 'regime', ...fields } as NeighbourhoodCommand).thenThrows('INVALID_COMMAND');
  });

  it('violence against civilians is an attack on the civilians actor', () => {
    const [attack] = given().when({ type: 'LaunchAttack', attackers: ['regime'], defenders: ['civilians'], ...fields }).decide();
    expect(attack).toMatchObject({ type: 'AttackLaunched', data: { defenders: ['civilians'] } });
  });
});
