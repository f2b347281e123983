import type { DatasetLocation } from './dataset-format.js';
import { shortHash } from './import-text.js';
import { distanceKm, fullLocation, resolvePlace } from './place-resolver.js';

const yarmouk: DatasetLocation = {
  name: 'Yarmouk camp',
  country: 'Syria',
  adminLevels: ['Damascus Governorate', ''],
  city: 'Damascus Governorate',
  lon: 36.3,
  lat: 33.4728,
  bestPrecision: true,
};

describe('automatic places', () => {
  it('registers a neighbourhood per location with one site position at its coordinates and no controller', () => {
    const place = resolvePlace(yarmouk, '1989-01-01T00:00:00Z', undefined);
    expect(place).toEqual({
      kind: 'registered',
      neighbourhoodId: `yarmouk-camp-${shortHash('Syria|Damascus Governorate||Yarmouk camp|33.4728|36.3')}`,
      positionId: 'site',
      registration: {
        id: `yarmouk-camp-${shortHash(fullLocation(yarmouk))}`,
        name: 'Yarmouk camp',
        city: 'Damascus Governorate',
        country: 'Syria',
        controlAsOf: '1989-01-01T00:00:00Z',
        positions: [{ id: 'site', name: 'Yarmouk camp', kind: 'sector', coordinates: [36.3, 33.4728] }],
      },
    });
  });

  it('keeps apart places that share a name', () => {
    const elsewhere = resolvePlace({ ...yarmouk, lat: 33.5 }, 'x', undefined);
    const here = resolvePlace(yarmouk, 'x', undefined);
    expect(here.kind === 'registered' && elsewhere.kind === 'registered' && here.neighbourhoodId !== elsewhere.neighbourhoodId).toBe(true);
  });

  it('measures great-circle distances', () => {
    expect(distanceKm(36.3, 33.5, 36.3, 33.6)).toBeCloseTo(11.12, 1);
    expect(distanceKm(0, 0, 0, 0)).toBe(0);
  });
});
