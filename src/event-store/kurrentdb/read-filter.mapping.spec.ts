import { EVENT_TYPE, STREAM_NAME } from '@kurrent/kurrentdb-client';
import { compileReadFilter } from './read-filter.mapping.js';

const event = (streamId: string, type: string) => ({ streamId, type });

describe('read filters', () => {
  it('without a filter, asks the server to exclude system events and keeps every other event', () => {
    const filter = compileReadFilter(undefined);
    expect(filter.matchesNothing).toBe(false);
    expect(filter.serverFilter).toMatchObject({ filterOn: EVENT_TYPE, regex: '^[^$].*' });
    expect(filter.matches(event('neighbourhood-1', 'PositionCaptured'))).toBe(true);
    expect(filter.matches(event('$stats-node', '$statsCollected'))).toBe(false);
    expect(filter.matches(event('$settings', 'Update'))).toBe(false);
  });

  it('sends stream prefixes to the server and checks them again literally and case-sensitively', () => {
    const filter = compileReadFilter({ streamPrefixes: ['neighbourhood-', 'actor-', 'actor-'] });
    expect(filter.serverFilter).toMatchObject({ filterOn: STREAM_NAME, prefixes: ['neighbourhood-', 'actor-'] });
    expect(filter.matches(event('neighbourhood-1', 'PositionCaptured'))).toBe(true);
    expect(filter.matches(event('actor-a1', 'ActorRegistered'))).toBe(true);
    expect(filter.matches(event('NEIGHBOURHOOD-1', 'PositionCaptured'))).toBe(false);
    expect(filter.matches(event('neighbourhood_1', 'PositionCaptured'))).toBe(false);
    expect(compileReadFilter({ streamPrefixes: ['neighbourhood%'] }).matches(event('neighbourhood-1', 'X'))).toBe(false);
  });

  it('never lets system events through a prefix filter, which the server would', () => {
    const filter = compileReadFilter({ streamPrefixes: ['$ce-', 'neighbourhood-'] });
    expect(filter.matches(event('$ce-neighbourhood', '$>'))).toBe(false);
    expect(filter.matches(event('neighbourhood-1', '$>'))).toBe(false);
  });

  it('sends event types to the server as prefixes and keeps exact types only', () => {
    const filter = compileReadFilter({ eventTypes: ['PositionCaptured'] });
    expect(filter.serverFilter).toMatchObject({ filterOn: EVENT_TYPE, prefixes: ['PositionCaptured'] });
    expect(filter.matches(event('neighbourhood-1', 'PositionCaptured'))).toBe(true);
    expect(filter.matches(event('neighbourhood-1', 'PositionCapturedV2'))).toBe(false);
  });

  it('with both, filters streams on the server and types here, keeping events that match both', () => {
    const filter = compileReadFilter({ streamPrefixes: ['neighbourhood-'], eventTypes: ['ForcesRetreated'] });
    expect(filter.serverFilter).toMatchObject({ filterOn: STREAM_NAME, prefixes: ['neighbourhood-'] });
    expect(filter.matches(event('neighbourhood-1', 'ForcesRetreated'))).toBe(true);
    expect(filter.matches(event('neighbourhood-1', 'PositionCaptured'))).toBe(false);
    expect(filter.matches(event('actor-1', 'ForcesRetreated'))).toBe(false);
  });

  it.each([
    [{ streamPrefixes: [] }],
    [{ eventTypes: [] }],
    [{ streamPrefixes: ['neighbourhood-'], eventTypes: [] }],
    [{ streamPrefixes: [], eventTypes: ['PositionCaptured'] }],
  ])('matches nothing for an empty list: %p', (readFilter) => {
    expect(compileReadFilter(readFilter).matchesNothing).toBe(true);
  });

  it('refuses a list that is not of strings', () => {
    expect(() => compileReadFilter({ streamPrefixes: [1 as unknown as string] })).toThrow(TypeError);
  });
});
