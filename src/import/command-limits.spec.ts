import { commandProblems } from './command-limits.js';
import type { ImportCommand, SourceBody } from './import-commands.js';

const now = Date.parse('2024-01-01T00:00:00Z');
const dataset: SourceBody = { name: 'ACLED', kind: 'dataset', reliability: 'B', credibility: 2, reference: 'SYR1@1600000000' };
const attack = (fields: Record<string, unknown> = {}): ImportCommand =>
  ({
    role: 'attack',
    path: '/v1/neighbourhoods/n/attacks',
    idempotencyKey: 'acled:SYR1@1600000000:attack',
    body: { occurredAt: '2018-05-01T00:00:00Z', timePrecision: 'day', sources: [dataset], attackers: ['isis'], defenders: [], ...fields },
  }) as ImportCommand;

describe('local command checks (the server limits)', () => {
  it('passes a well-formed attack without defenders', () => {
    expect(commandProblems(attack(), now)).toEqual([]);
  });

  it.each([
    [{ attackers: [] }, 'attackers must hold 1 to 50 ids'],
    [{ attackers: ['Bad Id'] }, 'must be a lowercase slug'],
    [{ defenders: ['a', 'a'] }, 'must not list an id twice'],
    [{ occurredAt: '2018-05-01' }, 'occurredAt'],
    [{ occurredAt: '2030-05-01T00:00:00Z' }, 'occurredAt lies in the future'],
    [{ notes: 'x'.repeat(10_001) }, 'notes must be 1 to 10000'],
    [{ notes: 'a\u202Eb' }, 'notes must be 1 to 10000 characters of safe text'],
    [{ sources: [] }, 'sources must hold 1 to 50'],
    [{ sources: Array.from({ length: 51 }, () => dataset) }, 'sources must hold 1 to 50'],
    [{ sources: [{ ...dataset, name: 'n'.repeat(201) }] }, 'sources[0].name'],
    [{ sources: [{ ...dataset, reference: 'r'.repeat(201) }] }, 'sources[0].reference'],
    [{ sources: [{ ...dataset, credibility: 7 }] }, 'sources[0].credibility'],
    [{ sources: [{ ...dataset, reportedAt: '2031-01-01T00:00:00Z' }] }, 'sources[0].reportedAt lies in the future'],
  ])('refuses %j', (fields, problem) => {
    expect(commandProblems(attack(fields), now).join('; ')).toContain(problem);
  });

  it('checks casualty figures and registrations', () => {
    const casualties = { ...attack(), role: 'casualties', body: { ...attack().body, killed: { low: 5, best: 3, high: 4 } } } as ImportCommand;
    expect(commandProblems(casualties, now).join()).toContain('low <= best <= high');
    const actor: ImportCommand = { role: 'actor', path: '/v1/actors', idempotencyKey: 'ucdp:actor:x', body: { id: 'x', name: '', side: 'Bad Side' } };
    expect(commandProblems(actor, now)).toEqual(['name must be 1 to 200 characters of safe text', 'side "Bad Side" must be a lowercase slug']);
    const key = { ...attack(), idempotencyKey: 'acled:é' } as ImportCommand;
    expect(commandProblems(key, now)).toEqual(['idempotency key must be 1 to 200 visible ASCII characters']);
  });
});
