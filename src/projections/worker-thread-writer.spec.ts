import type { RecordedEvent } from '../event-store/index.js';
import { fromWire, toWire } from './worker-thread-writer.js';

const stored: RecordedEvent = {
  eventId: 'e-1',
  type: 'PositionCaptured',
  streamId: 'neighbourhood-tadamon',
  revision: 4,
  position: 17,
  data: { neighbourhoodId: 'tadamon', positions: ['bakery'], by: 'isis', notes: 'حي التضامن' },
  dataJson: JSON.stringify({ neighbourhoodId: 'tadamon', positions: ['bakery'], by: 'isis', notes: 'حي التضامن' }),
  metadata: { recordedAt: '2015-03-26T10:00:00.000Z' },
};

describe('events copied to a writer thread', () => {
  it('carry the stored text instead of the parsed data, and come out as the event that went in', () => {
    const wire = toWire(stored);

    expect(wire).not.toHaveProperty('data');
    expect(wire.dataJson).toBe(stored.dataJson);
    expect(fromWire(structuredClone(wire))).toEqual(stored);
  });

  it('carry the parsed data when the store handed over no text', () => {
    const { dataJson: _text, ...parsedOnly } = stored;

    expect(toWire(parsedOnly)).toBe(parsedOnly);
    expect(fromWire(structuredClone(toWire(parsedOnly)))).toEqual(parsedOnly);
  });
});
