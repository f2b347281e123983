import { validate as isUuid, version as uuidVersion } from 'uuid';
import { createHash } from 'node:crypto';
import { eventIdFor, isSameRequest, requestHash, requestHashes } from './command-metadata.js';

describe('eventIdFor', () => {
  it('gives a command without an Idempotency-Key a new time-ordered UUID (version 7)', () => {
    const ids = Array.from({ length: 1000 }, () => eventIdFor({ keyId: 'writer-3fa2b1c4' }));
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(uuidVersion(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Ordered as generated, within the same millisecond too: each append lands at the index's right edge.
    expect([...ids].sort()).toEqual(ids);
  });

  it('derives the same id for a retry of the same key by the same caller, and another for another caller', () => {
    const first = eventIdFor({ keyId: 'writer-3fa2b1c4', idempotencyKey: 'capture-42' });
    expect(eventIdFor({ keyId: 'writer-3fa2b1c4', idempotencyKey: 'capture-42' })).toBe(first);
    expect(uuidVersion(first)).toBe(5);
    expect(eventIdFor({ keyId: 'writer-77aa01de', idempotencyKey: 'capture-42' })).not.toBe(first);
    expect(eventIdFor({ keyId: 'writer-3fa2b1c4', idempotencyKey: 'capture-43' })).not.toBe(first);
  });
});

describe('requestHash', () => {
  it('ignores the key order of the body and tells apart another body, path or method', () => {
    const hash = requestHash('POST', '/v1/neighbourhoods/tadamon/captures', { by: 'isis', positions: ['a'] });
    expect(requestHash('POST', '/v1/neighbourhoods/tadamon/captures', { positions: ['a'], by: 'isis' })).toBe(hash);
    expect(requestHash('POST', '/v1/neighbourhoods/tadamon/captures', { positions: ['b'], by: 'isis' })).not.toBe(hash);
    expect(requestHash('POST', '/v1/neighbourhoods/yarmouk/captures', { by: 'isis', positions: ['a'] })).not.toBe(hash);
    expect(requestHash('PUT', '/v1/neighbourhoods/tadamon/captures', { by: 'isis', positions: ['a'] })).not.toBe(hash);
  });
});

describe('requestHash of a body with nulls', () => {
  const path = '/v1/neighbourhoods/tadamon/captures';
  const sent = { by: 'isis', positions: ['a'], attackId: null, sources: [{ name: 'x', url: null, protected: false }], notes: null };
  const omitted = { by: 'isis', positions: ['a'], sources: [{ name: 'x', protected: false }] };

  it('is the hash of the body without its null members, at any depth', () => {
    expect(requestHash('POST', path, sent)).toBe(requestHash('POST', path, omitted));
    expect(requestHash('POST', path, { ...omitted, notes: 'n' })).not.toBe(requestHash('POST', path, omitted));
  });

  it('keeps null items of a list, and false, 0 and empty strings', () => {
    expect(requestHash('POST', path, { positions: [null] })).not.toBe(requestHash('POST', path, { positions: [] }));
    for (const value of [false, 0, '', [], {}]) expect(requestHash('POST', path, { notes: value })).not.toBe(requestHash('POST', path, {}));
  });

  it('is for a body without nulls exactly what it always was: SHA-256 of the method, path and canonical JSON', () => {
    const canonical = '{"by":"isis","positions":["a"],"sources":[{"name":"x","protected":false}]}';
    const before = createHash('sha256').update(`POST ${path}\n`).update(canonical).digest('base64url');
    expect(requestHash('POST', path, omitted)).toBe(before);
    expect(requestHashes('POST', path, omitted)).toEqual({ requestHash: before });
  });

  it('also gives, for a body with nulls, the hash earlier versions recorded for it, and a retry matches either', () => {
    const canonicalWithNulls = '{"attackId":null,"by":"isis","notes":null,"positions":["a"],"sources":[{"name":"x","protected":false,"url":null}]}';
    const former = createHash('sha256').update(`POST ${path}\n`).update(canonicalWithNulls).digest('base64url');
    const hashes = requestHashes('POST', path, sent);
    expect(hashes).toEqual({ requestHash: requestHash('POST', path, omitted), formerRequestHash: former });
    expect(isSameRequest(hashes, former)).toBe(true);
    expect(isSameRequest(hashes, requestHash('POST', path, omitted))).toBe(true);
    expect(isSameRequest(requestHashes('POST', path, omitted), requestHash('POST', path, sent))).toBe(true);
    expect(isSameRequest(hashes, requestHash('POST', path, { ...omitted, notes: 'n' }))).toBe(false);
    expect(isSameRequest({ requestHash: 'a' }, undefined)).toBe(false);
  });

  it('leaves the body it hashes as it is', () => {
    const body = JSON.parse(JSON.stringify(sent)) as typeof sent;
    requestHashes('POST', path, body);
    expect(body).toEqual(sent);
  });
});
