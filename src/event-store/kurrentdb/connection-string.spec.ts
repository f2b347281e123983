import { describeConnectionTarget, normalizeConnectionString } from './connection-string.js';

describe('connection strings', () => {
  it.each([
    ['esdb://127.0.0.1:2113?tls=false', 'kurrentdb://127.0.0.1:2113?tls=false'],
    ['ESDB://Node1:2113', 'kurrentdb://Node1:2113'],
    ['esdb+discover://cluster.example:2113', 'kurrentdb+discover://cluster.example:2113'],
    ['  kurrentdb://a:2113,b:2113?nodePreference=leader  ', 'kurrentdb://a:2113,b:2113?nodePreference=leader'],
    ['kurrentdb+discover://c:2113', 'kurrentdb+discover://c:2113'],
    ['esdb://admin:p@ss@h:2113', 'kurrentdb://admin:p@ss@h:2113'],
  ])('rewrites %p as %p', (raw, normalized) => {
    expect(normalizeConnectionString(raw)).toBe(normalized);
  });

  it.each([
    ['kurrentdb://127.0.0.1:2113?tls=false', '127.0.0.1:2113'],
    ['esdb://admin:changeit@node1:2113,node2:2113,node3:2113?tls=true&nodePreference=leader', 'node1:2113,node2:2113,node3:2113'],
    ['kurrentdb+discover://user:p%40ss@cluster.example:2113/?tls=true', 'cluster.example:2113'],
    ['kurrentdb://', '(no host)'],
  ])('describes %p as %p, never with credentials', (raw, target) => {
    expect(describeConnectionTarget(raw)).toBe(target);
  });
});
