import type { ImportCommand } from './import-commands.js';
import { classifyResult, ImportTally } from './import-summary.js';
import { csvField, csvLine } from './rejects-file.js';

const actor = { role: 'actor', path: '/v1/actors', idempotencyKey: 'k', body: { id: 'a', name: 'A', side: 's' } } as ImportCommand;
const capture = { role: 'capture', path: '/v1/neighbourhoods/n/captures', idempotencyKey: 'k', body: {} } as ImportCommand;

describe('outcomes', () => {
  it.each([
    [capture, { status: 201, standing: 'accepted' }, 'created'],
    [capture, { status: 201, standing: 'corroborating' }, 'corroborating'],
    [capture, { status: 201, standing: 'conflicting' }, 'conflicting'],
    [capture, { status: 200, standing: 'conflicting' }, 'replayed'],
    [actor, { status: 409, code: 'ALREADY_EXISTS' }, 'existing'],
    [capture, { status: 409, code: 'ALREADY_EXISTS' }, 'refused:ALREADY_EXISTS'],
    [capture, { status: 422, code: 'ACTOR_UNKNOWN' }, 'refused:ACTOR_UNKNOWN'],
    [capture, { status: 500 }, 'refused:HTTP_500'],
  ])('%#: classifies %j as %s', (command, result, outcome) => {
    expect(classifyResult(command, result).outcome).toBe(outcome);
  });

  it('counts a registration whose key was used for another body as existing, with a warning', () => {
    expect(classifyResult(actor, { status: 422, code: 'IDEMPOTENCY_KEY_REUSED' })).toEqual({ outcome: 'existing', warning: 'REGISTRATION_DIFFERS' });
  });

  it('sums what landed and prints outcomes, skips and warnings', () => {
    const tally = new ImportTally();
    tally.count('created');
    tally.count('replayed');
    tally.count('refused:ACTOR_UNKNOWN');
    tally.skip('Peaceful protest');
    tally.warn('DATE_DROPPED');
    expect(tally.landed()).toBe(2);
    expect(tally.lines().map((line) => line.trim().replace(/\s+/g, ' '))).toEqual([
      'created 1',
      'replayed 1',
      'refused:ACTOR_UNKNOWN 1',
      'skipped:Peaceful protest 1',
      'warning:DATE_DROPPED 1',
    ]);
  });
});

describe('rejects file lines (RFC 4180)', () => {
  it('quotes fields with commas, quotes or line breaks and ends lines with CRLF', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "no"')).toBe('"say ""no"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvLine(['1', 'SYR1', 'x, y'])).toBe('1,SYR1,"x, y"\r\n');
  });
});
