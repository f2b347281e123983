import { parseCopyEventsArgs } from './copy-events.args.js';
import { describeStoreAddress, isSameStore, parseStoreAddress, StoreAddressError } from './store-address.js';

describe('copy-events arguments', () => {
  it('reads --from, --to, --limit and --batch-size, in both spellings', () => {
    expect(parseCopyEventsArgs(['--from', 'sqlite:./data', '--to=kurrentdb://127.0.0.1:2113?tls=false', '--limit=500', '--batch-size', '50'], '/srv')).toEqual({
      kind: 'run',
      args: {
        from: { kind: 'sqlite', dataDir: '/srv/data' },
        to: { kind: 'kurrentdb', connectionString: 'kurrentdb://127.0.0.1:2113?tls=false' },
        limit: 500,
        batchSize: 50,
      },
    });
  });

  it('asks for help', () => {
    expect(parseCopyEventsArgs(['--from', 'sqlite:a', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], 'both --from and --to are required'],
    [['--from'], '--from needs a value'],
    [['--from', '--to', 'sqlite:b'], '--from needs a value'],
    [['--from', 'sqlite:a', '--from', 'sqlite:b'], '--from is given twice'],
    [['--from', 'sqlite:a', '--to', 'sqlite:b', 'extra'], 'unknown argument "extra"'],
    [['--from', 'sqlite:a', '--to', 'sqlite:b', '--limit', '-1'], '--limit must be an integer >= 0'],
    [['--from', 'sqlite:a', '--to', 'sqlite:b', '--batch-size', '0'], '--batch-size must be an integer >= 1'],
    [['--from', 'sqlite:a', '--to', 'sqlite:./a'], '--from and --to name the same store'],
    [['--from', 'mysql://x', '--to', 'sqlite:b'], 'a store is sqlite:<data dir>, or a kurrentdb://host:port (or esdb://host:port) connection string'],
  ])('refuses %p: %s', (argv, message) => {
    expect(parseCopyEventsArgs(argv, '/srv')).toEqual({ kind: 'usage-error', message });
  });
});

describe('store addresses', () => {
  it('resolves a data directory against the working directory', () => {
    expect(parseStoreAddress('sqlite:data', '/srv/app')).toEqual({ kind: 'sqlite', dataDir: '/srv/app/data' });
    expect(parseStoreAddress('sqlite:/var/lib/timeline', '/srv/app')).toEqual({ kind: 'sqlite', dataDir: '/var/lib/timeline' });
  });

  it.each(['kurrentdb://h:2113', 'kurrentdb+discover://h:2113', 'esdb://h:2113?tls=false', 'esdb+discover://h:2113'])(
    'takes %p as a KurrentDB connection string',
    (raw) => {
      expect(parseStoreAddress(raw)).toEqual({ kind: 'kurrentdb', connectionString: raw });
    },
  );

  it.each(['sqlite:', 'kurrentdb://', 'events.sqlite', 'postgres://admin:secret@db/x'])('refuses %p without quoting it', (raw) => {
    expect(() => parseStoreAddress(raw)).toThrow(StoreAddressError);
    try {
      parseStoreAddress(raw);
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('describes a store without credentials, and knows the same store under two spellings', () => {
    const cluster = parseStoreAddress('esdb://admin:changeit@n1:2113,n2:2113?tls=true');
    expect(describeStoreAddress(cluster)).toBe('kurrentdb at n1:2113,n2:2113');
    expect(isSameStore(cluster, parseStoreAddress('kurrentdb://n1:2113,n2:2113'))).toBe(true);
    expect(isSameStore(parseStoreAddress('sqlite:./a', '/x'), parseStoreAddress('sqlite:/x/a'))).toBe(true);
    expect(isSameStore(parseStoreAddress('sqlite:a', '/x'), cluster)).toBe(false);
  });
});
