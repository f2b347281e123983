/**
 * The rules of a counterattack that API.md and the decider promise, over HTTP: `inResponseTo`
 * names an attack of the same neighbourhood, and an actor cannot counterattack itself. Every
 * refusal writes nothing.
 */
import { PLACEHOLDER_DATES, TADAMON_POSITIONS as P } from '../../scripts/tadamon-scenario.js';
import { type RunningApp, playScenario, startApp, temporaryDataDir } from './app-harness.js';

const TADAMON = '/v1/neighbourhoods/damascus-tadamon';
const YARMOUK = '/v1/neighbourhoods/damascus-yarmouk-camp';
const source = { name: 'field sources', kind: 'field', reliability: 'C', credibility: 3 };
const counterattack = { by: 'syrian-regime', against: 'isis', targets: [P.bakery1], occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] };

describe('counterattack rules over HTTP', () => {
  const data = temporaryDataDir();
  let app: RunningApp;
  let ids: Record<string, string>;
  let yarmoukAttack: string;

  beforeAll(async () => {
    app = await startApp(data.dir);
    ({ ids } = await playScenario(app));
    const attack = await app.post(`${YARMOUK}/attacks`, { attackers: ['syrian-regime'], defenders: ['isis'], occurredAt: PLACEHOLDER_DATES.missiles, sources: [source] });
    expect(attack.status).toBe(201);
    yarmoukAttack = attack.body.eventId;
  });
  afterAll(async () => {
    await app.stop();
    data.remove();
  });

  const head = async (): Promise<number> => (await app.get('/health')).body.eventStore.headPosition as number;

  async function refusedWith(body: unknown, status: number, code: string): Promise<string> {
    const before = await head();
    const answer = await app.post(`${TADAMON}/counterattacks`, body);
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
    expect(await head()).toBe(before);
    return answer.body.message as string;
  }

  it('takes inResponseTo naming an attack of the neighbourhood', async () => {
    const answer = await app.post(`${TADAMON}/counterattacks`, { ...counterattack, inResponseTo: ids['wednesday-attack'] });
    expect(answer.status).toBe(201);
  });

  it('refuses inResponseTo naming an attack of another neighbourhood', async () => {
    const message = await refusedWith({ ...counterattack, inResponseTo: yarmoukAttack }, 404, 'EVENT_NOT_FOUND');
    expect(message).toMatch(/^inResponseTo: /);
  });

  it('refuses inResponseTo naming an event of the neighbourhood that is no attack', async () => {
    await refusedWith({ ...counterattack, inResponseTo: ids['wednesday-captures'] }, 404, 'EVENT_NOT_FOUND');
    await refusedWith({ ...counterattack, inResponseTo: ids['counterattack'] }, 404, 'EVENT_NOT_FOUND');
  });

  it('refuses inResponseTo naming no event at all', async () => {
    await refusedWith({ ...counterattack, inResponseTo: '00000000-0000-4000-8000-000000000000' }, 404, 'EVENT_NOT_FOUND');
  });

  it('refuses inResponseTo that is no event id', async () => {
    await refusedWith({ ...counterattack, inResponseTo: 'wednesday-attack' }, 400, 'VALIDATION_FAILED');
  });

  it('refuses an actor counterattacking itself', async () => {
    const message = await refusedWith({ ...counterattack, by: 'isis', against: 'isis' }, 422, 'INVALID_COMMAND');
    expect(message).toBe('an actor cannot counterattack itself');
  });
});
