import { MappingFileError, parseMappingFile } from './mapping-file.js';
import { resolvePlace } from './place-resolver.js';
import type { DatasetLocation } from './dataset-format.js';

const EXAMPLE = {
  places: {
    byName: { 'Yarmouk camp': { neighbourhood: 'damascus-yarmouk', position: 'camp-centre' } },
    positions: [
      { neighbourhood: 'damascus-tadamon', position: 'tadamon-north', coordinates: [36.3083, 33.4781] },
      { neighbourhood: 'damascus-tadamon', position: 'tadamon-south', coordinates: [36.3083, 33.4681] },
    ],
    radiusKm: 1.5,
  },
  actors: { 'Government of Syria': { id: 'syrian-regime', side: 'pro-government', kind: 'state-forces' }, IS: { id: 'isis' } },
  ratings: {
    dataset: { reliability: 'A', credibility: 2 },
    outletDefault: { reliability: 'E', credibility: 5 },
    outlets: { SOHR: { reliability: 'C', credibility: 3 } },
  },
};

const location = (fields: Partial<DatasetLocation>): DatasetLocation => ({
  name: 'Somewhere',
  country: 'Syria',
  adminLevels: ['Damascus', ''],
  city: 'Damascus',
  lon: 36.3083,
  lat: 33.4779,
  bestPrecision: true,
  ...fields,
});

describe('mapping file', () => {
  it('reads the documented example', () => {
    const mapping = parseMappingFile(JSON.stringify(EXAMPLE));
    expect(mapping.places?.byName.get('yarmouk camp')).toEqual({ neighbourhood: 'damascus-yarmouk', position: 'camp-centre' });
    expect(mapping.places?.positions).toHaveLength(2);
    expect(mapping.places?.radiusKm).toBe(1.5);
    expect(mapping.actors.get('IS')).toEqual({ id: 'isis' });
    expect(mapping.ratings.outlets.get('SOHR')).toEqual({ reliability: 'C', credibility: 3 });
    expect(mapping.ratings.dataset).toEqual({ reliability: 'A', credibility: 2 });
  });

  it('takes an empty object: every location becomes a neighbourhood of its own', () => {
    const mapping = parseMappingFile('{}');
    expect(mapping.places).toBeUndefined();
    expect(resolvePlace(location({}), '1989-01-01T00:00:00Z', mapping.places).kind).toBe('registered');
  });

  it.each([
    ['not json', 'not JSON'],
    ['[]', '(top level) must be a JSON object'],
    ['{"place": {}}', 'unknown field "place"'],
    ['{"places": {"byName": {"X": {"neighbourhood": "Bad Id", "position": "p"}}}}', 'places.byName["X"].neighbourhood must be a lowercase slug'],
    ['{"places": {"positions": [{"neighbourhood": "n", "position": "p", "coordinates": [200, 1]}]}}', 'places.positions[0].coordinates'],
    ['{"places": {"radiusKm": 0}}', 'places.radiusKm'],
    ['{"places": {"byName": {"a": {"neighbourhood": "n", "position": "p"}, "A": {"neighbourhood": "n", "position": "p"}}}}', 'given twice'],
    ['{"actors": {"IS": {"kind": "terrorists"}}}', 'actors["IS"].kind must be one of'],
    ['{"actors": {"IS": {"colour": "black"}}}', 'unknown field "colour"'],
    ['{"ratings": {"dataset": {"reliability": "G", "credibility": 2}}}', 'ratings.dataset.reliability'],
    ['{"ratings": {"outlets": {"SOHR": {"reliability": "C", "credibility": "3"}}}}', 'ratings.outlets["SOHR"].credibility'],
  ])('refuses %s naming the field', (text, message) => {
    expect(() => parseMappingFile(text)).toThrow(MappingFileError);
    expect(() => parseMappingFile(text)).toThrow(message);
  });
});

describe('place resolution with a mapping', () => {
  const places = parseMappingFile(JSON.stringify(EXAMPLE)).places;

  it('matches a listed name first, in any case, wherever the row lies', () => {
    expect(resolvePlace(location({ name: 'YARMOUK  camp', lon: 10, lat: 10, bestPrecision: false }), 'x', places)).toEqual({
      kind: 'mapped',
      neighbourhoodId: 'damascus-yarmouk',
      positionId: 'camp-centre',
    });
  });

  it('matches the nearest listed position within the radius for rows of the best precision', () => {
    expect(resolvePlace(location({ lat: 33.4700 }), 'x', places)).toMatchObject({ neighbourhoodId: 'damascus-tadamon', positionId: 'tadamon-south' });
    expect(resolvePlace(location({ lat: 33.4770 }), 'x', places)).toMatchObject({ positionId: 'tadamon-north' });
  });

  it('leaves unmapped a row too far away or not precise enough', () => {
    expect(resolvePlace(location({ lat: 33.6 }), 'x', places).kind).toBe('unmapped');
    expect(resolvePlace(location({ bestPrecision: false }), 'x', places).kind).toBe('unmapped');
  });
});
