import { defaultKeyFile, parseImportArgs, serverUrl } from './import.args.js';

describe('import arguments', () => {
  it('reads every option, in both spellings, resolving paths', () => {
    expect(parseImportArgs(['--format', 'acled', '--file=in.csv', '--map', 'm.json', '--dry-run', '--key-file', '/k.json', '--url', 'http://h:1'], '/w')).toEqual({
      kind: 'run',
      args: { format: 'acled', file: '/w/in.csv', map: '/w/m.json', dryRun: true, keyFile: '/k.json', url: 'http://h:1', rejects: '/w/in.csv.rejects.csv' },
    });
    expect(parseImportArgs(['--format', 'ucdp', '--file', 'g.csv', '--rejects', 'r.csv'], '/w')).toMatchObject({ args: { rejects: '/w/r.csv', dryRun: false } });
    expect(parseImportArgs(['--format', 'ucdp', '--file', 'g.csv', '--date-order', 'mdy'], '/w')).toMatchObject({ args: { dateOrder: 'mdy' } });
    expect(parseImportArgs(['--format', 'ucdp', '--file', 'g.csv'], '/w')).not.toHaveProperty('args.dateOrder');
    expect(parseImportArgs(['-h'], '/w')).toEqual({ kind: 'help' });
  });

  it.each([
    [['--file', 'x.csv'], '--format is required'],
    [['--format', 'gdelt', '--file', 'x.csv'], '--format must be acled or ucdp'],
    [['--format', 'ucdp'], '--file is required'],
    [['--format', 'ucdp', '--file'], '--file needs a value'],
    [['--format', 'ucdp', '--file', '--dry-run'], '--file needs a value'],
    [['--format', 'ucdp', '--file', 'a', '--file', 'b'], '--file is given twice'],
    [['--format', 'ucdp', '--file', 'a', '--batch', '5'], 'unknown argument "--batch"'],
    [['--format', 'ucdp', '--file', 'a', '--date-order', 'ymd'], '--date-order must be dmy or mdy, not "ymd"'],
    [['--format', 'ucdp', '--file', 'a', '--date-order'], '--date-order needs a value'],
  ])('refuses %j', (argv, message) => {
    expect(parseImportArgs(argv, '/w')).toEqual({ kind: 'usage-error', message: expect.stringContaining(message) });
  });

  it('finds the server as the demo does: --url, TIMELINE_URL, then HOST and PORT', () => {
    expect(serverUrl('http://x:1', { TIMELINE_URL: 'http://y:2' })).toBe('http://x:1');
    expect(serverUrl(undefined, { TIMELINE_URL: 'http://y:2', PORT: '9' })).toBe('http://y:2');
    expect(serverUrl(undefined, {})).toBe('http://127.0.0.1:3000');
    expect(serverUrl(undefined, { HOST: '0.0.0.0', PORT: '8080' })).toBe('http://127.0.0.1:8080');
    expect(serverUrl(undefined, { HOST: '::' })).toBe('http://[::1]:3000');
    expect(serverUrl(undefined, { HOST: 'timeline.local', PORT: '80' })).toBe('http://timeline.local:80');
    expect(defaultKeyFile({ TIMELINE_DATA_DIR: '/srv/data' }, '/w')).toBe('/srv/data/api-keys.json');
    expect(defaultKeyFile({}, '/w')).toBe('/w/data/api-keys.json');
  });
});
