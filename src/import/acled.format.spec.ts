import { ACLED_FORMAT, acledIncident } from './acled.format.js';
import { actorDefaults, DEFAULT_ACTORS } from './actor-sides.js';
import { asciiSlug } from './import-text.js';
import type { CsvRecord, ImportRow } from './dataset-format.js';
import { actorResolver, rowCommands } from './row-commands.js';

const today = new Date('2024-06-15T00:00:00Z');
const record = (fields: Record<string, string>): CsvRecord => ({ index: 1, value: (column) => fields[column] ?? '' });
const row = (fields: Record<string, string> = {}) =>
  record({
    event_id_cnty: 'SYR1',
    event_date: '2018-05-15',
    time_precision: '2',
    event_type: 'Battles',
    sub_event_type: 'Armed clash',
    actor1: 'Military Forces of Syria (2000-)',
    inter1: '1',
    actor2: 'Islamic State (Syria)',
    inter2: 'Rebel group',
    country: 'Syria',
    admin1: 'Damascus',
    admin2: 'Damascus',
    admin3: '',
    location: 'Al Hajar Al Aswad',
    latitude: '33.4667',
    longitude: '36.3',
    geo_precision: '1',
    source: 'SOHR; SANA;SOHR',
    notes: 'Regime forces took "the last pocket", ending IS presence.',
    fatalities: '4',
    timestamp: '1600000000',
    ...fields,
  });

describe('ACLED rows', () => {
  it.each([
    ['Battles', 'Armed clash', 'attack'],
    ['Battles', 'Government regains territory', 'capture'],
    ['Battles', 'Non-state actor overtakes territory', 'capture'],
    ['Explosions/Remote violence', 'Air/drone strike', 'attack'],
    ['Explosions/Remote violence', 'Chemical weapon', 'attack'],
    ['Violence against civilians', 'Abduction/forced disappearance', 'attack'],
    ['Strategic developments', 'Non-violent transfer of territory', 'retreat'],
    ['Strategic developments', 'Arrests', 'skip'],
    ['Protests', 'Peaceful protest', 'skip'],
    ['Riots', 'Mob violence', 'skip'],
  ])('maps %s / %s to %s', (eventType, subEventType, kind) => {
    const result = acledIncident(eventType, subEventType, 'A', 'B');
    expect(result.kind === 'skip' ? 'skip' : result.plan.kind).toBe(kind);
  });

  it('makes a handover without actor2 a capture by actor1, and an attack without actor2 one on nobody', () => {
    expect(acledIncident('Strategic developments', 'Non-violent transfer of territory', 'A', '')).toEqual({ kind: 'plan', plan: { kind: 'capture', by: 'A' } });
    expect(acledIncident('Violence against civilians', 'Attack', 'A', '')).toEqual({ kind: 'plan', plan: { kind: 'attack', attackers: ['A'], defenders: [] } });
    expect(acledIncident('Protests', 'Peaceful protest', 'A', '')).toEqual({ kind: 'skip', type: 'Peaceful protest' });
  });

  it('reads a row: date, precision, place, outlets without repeats, notes, fatalities, actor kinds of both code sets', () => {
    const plan = ACLED_FORMAT.map(row(), { today }) as ImportRow;
    expect(plan).toMatchObject({
      kind: 'import',
      rowId: 'SYR1',
      version: '1600000000',
      date: '2018-05-15',
      precision: 'week',
      location: { name: 'Al Hajar Al Aswad', city: 'Damascus', adminLevels: ['Damascus', 'Damascus', ''], bestPrecision: true, lon: 36.3, lat: 33.4667 },
      outlets: [{ name: 'SOHR' }, { name: 'SANA' }],
      notes: 'Regime forces took "the last pocket", ending IS presence.',
      killed: { best: 4 },
    });
    expect([...plan.actorKinds]).toEqual([
      ['Military Forces of Syria (2000-)', 'state-forces'],
      ['Islamic State (Syria)', 'rebel-group'],
    ]);
  });

  it('reads codes and whole numbers a tool wrote as floats as the export wrote them', () => {
    const floats = { time_precision: '2.0', inter1: '1.0', fatalities: '4.0', geo_precision: '1.0', timestamp: '1600000000.0' };
    const plan = ACLED_FORMAT.map(row({ ...floats, inter2: '2.0' }), { today }) as ImportRow;
    const asDownloaded = ACLED_FORMAT.map(row({ inter2: '2' }), { today }) as ImportRow;
    expect(plan).toEqual(asDownloaded);
    expect(plan).toMatchObject({ version: '1600000000', precision: 'week', killed: { best: 4 }, location: { bestPrecision: true } });
    expect([...plan.actorKinds.values()]).toEqual(['state-forces', 'rebel-group']);
    // Only a whole number: a fraction stays what it is, and is refused where a code belongs.
    expect(ACLED_FORMAT.map(row({ time_precision: '2.5' }), { today })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('time_precision') });
    expect(ACLED_FORMAT.map(row({ timestamp: '1600000000.5' }), { today })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('timestamp') });
  });

  it('reads those floats written with a decimal comma in a file of decimal commas', () => {
    const floats = { time_precision: '2,0', inter1: '1,0', inter2: '2,0', fatalities: '4,0', geo_precision: '1,0', timestamp: '1600000000,0', latitude: '33,4667', longitude: '36,3' };
    const european = { ...row(floats), decimalComma: true };
    const asDownloaded = ACLED_FORMAT.map(row({ inter2: '2' }), { today }) as ImportRow;
    expect(ACLED_FORMAT.map(european, { today })).toEqual(asDownloaded);
    // In a file of commas between fields, `4,0` is no number.
    expect(ACLED_FORMAT.map(row({ fatalities: '4,0' }), { today })).not.toHaveProperty('killed');
  });

  it.each([
    [{ event_date: '2018-13-01' }, 'event_date'],
    [{ time_precision: '4' }, 'time_precision'],
    [{ timestamp: '' }, 'timestamp'],
    [{ event_id_cnty: 'SYR 1' }, 'event_id_cnty'],
    [{ latitude: 'north' }, 'latitude'],
    [{ location: ' ' }, 'location is empty'],
    [{ actor1: '' }, 'actor1 is empty'],
  ])('refuses a row with %j', (fields, message) => {
    const plan = ACLED_FORMAT.map(row(fields), { today });
    expect(plan).toMatchObject({ kind: 'invalid', message: expect.stringContaining(message) });
  });

  it('turns a row into commands: the dataset source with its reference, outlets rated F/6, keys per role', () => {
    const plan = ACLED_FORMAT.map(row(), { today }) as ImportRow;
    const built = rowCommands(ACLED_FORMAT, plan, { neighbourhoodId: 'n', positionId: 'site' }, actorResolver(new Map()), { outlets: new Map() }, Date.parse('2024-01-01T00:00:00Z'));
    expect(built.commands.map((c) => [c.role, c.path, c.idempotencyKey])).toEqual([
      ['attack', '/v1/neighbourhoods/n/attacks', 'acled:SYR1@1600000000:attack'],
      ['casualties', '/v1/neighbourhoods/n/casualties', 'acled:SYR1@1600000000:casualties'],
    ]);
    expect(built.commands[0]!.body).toEqual({
      occurredAt: '2018-05-15T00:00:00Z',
      timePrecision: 'week',
      sources: [
        { name: 'ACLED', kind: 'dataset', reliability: 'B', credibility: 2, reference: 'SYR1@1600000000' },
        { name: 'SOHR', kind: 'outlet', reliability: 'F', credibility: 6 },
        { name: 'SANA', kind: 'outlet', reliability: 'F', credibility: 6 },
      ],
      notes: 'Regime forces took "the last pocket", ending IS presence.',
      attackers: ['military-forces-of-syria-2000'],
      defenders: ['islamic-state-syria'],
    });
    expect(built.actors.map((a) => a.registration)).toEqual([
      { id: 'military-forces-of-syria-2000', name: 'Military Forces of Syria (2000-)', side: 'pro-government', kind: 'state-forces' },
      { id: 'islamic-state-syria', name: 'Islamic State (Syria)', side: 'isis', kind: 'rebel-group' },
    ]);
  });

  it('lets only an unidentified actor stand on both sides; drops another from the defenders with a warning', () => {
    const same = (name: string) => {
      const plan = ACLED_FORMAT.map(row({ actor1: name, actor2: name, inter1: '3', inter2: '3' }), { today }) as ImportRow;
      return rowCommands(ACLED_FORMAT, plan, { neighbourhoodId: 'n', positionId: 'site' }, actorResolver(new Map()), { outlets: new Map() }, Date.now());
    };
    const unidentified = same('Unidentified Armed Group (Syria)');
    expect(unidentified.commands[0]!.body).toMatchObject({ attackers: ['unidentified-armed-group-syria'], defenders: ['unidentified-armed-group-syria'] });
    expect(unidentified.actors[0]!.kind).toBe('unidentified');
    const militia = same('Militia (Tribal)');
    expect(militia.commands[0]!.body).toMatchObject({ attackers: ['militia-tribal'], defenders: [] });
    expect(militia.warnings).toContain('DEFENDER_DROPPED');
  });

  it('makes a handover a retreat by actor2 yielding to actor1, recorded as a claim', () => {
    const plan = ACLED_FORMAT.map(row({ event_type: 'Strategic developments', sub_event_type: 'Non-violent transfer of territory', fatalities: '0' }), { today }) as ImportRow;
    const built = rowCommands(ACLED_FORMAT, plan, { neighbourhoodId: 'n', positionId: 'site' }, actorResolver(new Map()), { outlets: new Map() }, Date.now());
    expect(built.commands).toHaveLength(1);
    expect(built.commands[0]).toMatchObject({
      role: 'retreat',
      idempotencyKey: 'acled:SYR1@1600000000:retreat',
      body: { by: 'islamic-state-syria', yieldedTo: 'military-forces-of-syria-2000', positions: ['site'], onConflict: 'record' },
    });
  });
});

describe('the default side table', () => {
  it.each([
    ['Government of Syria', 'pro-government', 'state-forces'],
    ['IS', 'isis', 'rebel-group'],
    ['Syrian insurgents', 'opposition', 'rebel-group'],
    ['SDF', 'kurdish', 'rebel-group'],
    ['Government of Turkey', 'external-forces', 'external-force'],
    ['Military Forces of Russia (2000-)', 'pro-government', 'external-force'],
    ['Military Forces of Syria (2000-2024)', 'pro-government', 'state-forces'],
    ['Military Forces of Syria (2000-)', 'pro-government', 'state-forces'],
    ['Military Forces of Syria (2024-)', 'transitional-government', 'state-forces'],
    ['Police Forces of Syria (2024-)', 'transitional-government', 'state-forces'],
    ['Military Forces of Turkey (2016-)', 'external-forces', 'external-force'],
    ['Civilians (Syria)', 'civilians', 'civilians'],
    ['Unidentified Armed Group (Syria)', 'unknown', 'unidentified'],
    ['al-Bakkara clan', 'unknown', undefined],
    // Spelled otherwise than in the table: the same slug, so the same side whichever dataset came first.
    ['Ahrar al Sham', 'opposition', 'rebel-group'],
    ['Hayat Tahrir al-Sham (HTS)', 'jihadist', 'rebel-group'],
  ])('gives %s the side %s and kind %s', (name, side, kind) => {
    expect(actorDefaults(name)).toEqual({ side, ...(kind ? { kind } : {}) });
  });

  it('holds no two names of one slug, nor a name without one', () => {
    const slugs = [...DEFAULT_ACTORS.keys()].map(asciiSlug);
    expect(slugs.filter((slug) => slug === '')).toEqual([]);
    expect(new Set(slugs).size).toBe(DEFAULT_ACTORS.size);
  });

  it('names UCDP civilians `civilians`', () => {
    expect(actorDefaults('Civilians')).toEqual({ side: 'civilians', kind: 'civilians', id: 'civilians' });
  });
});
