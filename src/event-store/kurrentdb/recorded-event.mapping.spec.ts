import type { EventToAppend } from '../event-store.port.js';
import { isSystemEvent, toEventData, toRecordedEvent, type ClientRecordedEvent } from './recorded-event.mapping.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

function toAppend(overrides: Partial<EventToAppend> = {}): EventToAppend {
  return { eventId: ID, type: 'PositionCaptured', data: { by: 'a1' }, metadata: { recordedBy: 'writer-1' }, ...overrides };
}

function recorded(overrides: Partial<ClientRecordedEvent> = {}): ClientRecordedEvent {
  return {
    streamId: 'neighbourhood-tadamon',
    id: ID,
    revision: 3n,
    type: 'PositionCaptured',
    isJson: true,
    data: { by: 'a1' },
    metadata: { recordedBy: 'writer-1' },
    position: { commit: 5120n, prepare: 5120n },
    ...overrides,
  };
}

describe('events to the client', () => {
  it('carries the id, the type, JSON data and metadata through', () => {
    expect(toEventData(toAppend())).toEqual({
      id: ID,
      contentType: 'application/json',
      type: 'PositionCaptured',
      data: { by: 'a1' },
      metadata: { recordedBy: 'writer-1' },
    });
  });

  it('snapshots the payload at the call, so later changes to the caller\'s object are not written', () => {
    const data = { positions: ['p1'] };
    const mapped = toEventData(toAppend({ data }));
    data.positions.push('p2');
    expect(mapped.data).toEqual({ positions: ['p1'] });
  });

  it('writes missing data as JSON null, like the embedded store', () => {
    expect(toEventData(toAppend({ data: undefined })).data).toBeNull();
  });

  it.each([
    ['not a UUID', 'evt-1'],
    ['an upper-case UUID, which would come back in lower case', ID.toUpperCase()],
    ['empty', ''],
  ])('refuses an event id that is %s', (_, eventId) => {
    expect(() => toEventData(toAppend({ eventId }))).toThrow(/lower-case UUIDs/);
  });

  it('refuses an empty type, metadata that is not an object, and data that is not JSON', () => {
    expect(() => toEventData(toAppend({ type: '' }))).toThrow(TypeError);
    expect(() => toEventData(toAppend({ metadata: [] as unknown as Record<string, unknown> }))).toThrow(TypeError);
    expect(() => toEventData(toAppend({ data: { big: 1n } }))).toThrow(TypeError);
  });
});

describe('events from the client', () => {
  it('maps id, type, stream, revision, position, data and metadata', () => {
    expect(toRecordedEvent(recorded())).toEqual({
      eventId: ID,
      type: 'PositionCaptured',
      streamId: 'neighbourhood-tadamon',
      revision: 3,
      position: 5120,
      data: { by: 'a1' },
      metadata: { recordedBy: 'writer-1' },
    });
  });

  it('reads empty metadata (the client gives undefined) as an empty object', () => {
    expect(toRecordedEvent(recorded({ metadata: undefined })).metadata).toEqual({});
  });

  it('refuses events that are not JSON, or whose metadata is not a JSON object', () => {
    expect(() => toRecordedEvent(recorded({ isJson: false, data: new Uint8Array([1]) }))).toThrow(/not JSON/);
    expect(() => toRecordedEvent(recorded({ metadata: new Uint8Array([1]) }))).toThrow(/metadata/);
    expect(() => toRecordedEvent(recorded({ metadata: ['a'] }))).toThrow(/metadata/);
  });

  it('refuses an event without a log position', () => {
    expect(() => toRecordedEvent(recorded({ position: undefined }))).toThrow(/no log position/);
  });

  it('knows the server\'s own events by a $ in front of the stream or the type', () => {
    expect(isSystemEvent({ streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' })).toBe(true);
    expect(isSystemEvent({ streamId: '$$neighbourhood-1', type: '$metadata' })).toBe(true);
    expect(isSystemEvent({ streamId: 'neighbourhood-1', type: '$>' })).toBe(true);
    expect(isSystemEvent({ streamId: 'neighbourhood-1', type: 'PositionCaptured' })).toBe(false);
  });
});
