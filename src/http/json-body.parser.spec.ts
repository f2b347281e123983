import Fastify, { type FastifyRequest } from 'fastify';
import { ApiHttpException } from './api-http-exception.js';
import { strictJsonParser } from './json-body.parser.js';

const parse = strictJsonParser(Fastify());

function parsed(body: Buffer | string): { error: Error | null; value?: unknown } {
  let outcome: { error: Error | null; value?: unknown } | undefined;
  parse({} as FastifyRequest, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), (error, value) => (outcome = { error, value }));
  if (outcome === undefined) throw new Error('the parser did not answer');
  return outcome;
}

function refusal(body: Buffer | string): ApiHttpException {
  const { error } = parsed(body);
  expect(error).toBeInstanceOf(ApiHttpException);
  return error as ApiHttpException;
}

describe('strictJsonParser', () => {
  it('parses JSON in UTF-8, Arabic and escaped surrogate pairs included', () => {
    expect(parsed('{"name": "حي التضامن", "emoji": "\\ud83d\\ude00", "raw": "😀"}')).toEqual({
      error: null,
      value: { name: 'حي التضامن', emoji: '😀', raw: '😀' },
    });
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d])],
    ['a truncated sequence', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3]), Buffer.from('"}')])],
    ['an encoded surrogate', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])],
    ['Latin-1', Buffer.from('{"a":"caf\u00e9"}', 'latin1')],
  ])('refuses %s as not UTF-8', (_case, body) => {
    const error = refusal(body);
    expect(error.getStatus()).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual([{ field: 'body', problems: ['body is not valid UTF-8'] }]);
  });

  it.each([
    ['a high surrogate alone', '{"notes": "\\ud800x"}', 'notes', 'holds'],
    ['a low surrogate alone', '{"a": {"b": ["ok", "\\udc00"]}}', 'a.b[1]', 'holds'],
    ['two high surrogates', '{"a": "\\ud83d\\ud83d"}', 'a', 'holds'],
    ['a surrogate in a key', '{"a": {"\\ud800": 1}}', 'a', 'holds a key with'],
    ['a body that is one string', '"\\udfff"', 'body', 'holds'],
  ])('refuses %s, naming where it is', (_case, body, field, what) => {
    const error = refusal(body);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual([{ field, problems: [`${what} a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair)`] }]);
  });

  it('looks through deep nesting without recursing', () => {
    const deep = `${'['.repeat(100_000)}"\\ud800"${']'.repeat(100_000)}`;
    expect(refusal(deep).code).toBe('VALIDATION_FAILED');
  });

  it("keeps Fastify's refusals: prototype poisoning, syntax, an empty body", () => {
    for (const body of ['{"__proto__": {"polluted": true}}', '{"constructor": {"prototype": {"polluted": true}}}', '{"a": ', '']) {
      const { error } = parsed(body);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ApiHttpException);
      expect((error as { statusCode?: number }).statusCode).toBe(400);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
