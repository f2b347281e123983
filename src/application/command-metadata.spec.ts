import { validate as isUuid, version as uuidVersion } from 'uuid';
import { eventIdFor, requestHash } from './command-metadata.js';

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
