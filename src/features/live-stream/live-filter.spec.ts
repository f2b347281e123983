import { LiveFilter } from './live-filter.js';
import { LiveMessage, isAfter, parseMessageId } from './live-message.js';

const message = (id: string, event: string, neighbourhoodId?: string, city?: string): LiveMessage =>
  new LiveMessage(id, Number(id.split('/')[0]), id.endsWith('/control') ? 'control' : 'event', event, neighbourhoodId, city, () => ({}));

describe('LiveFilter', () => {
  const capture = message('5', 'PositionCaptured', 'damascus-tadamon', 'Damascus');
  const control = message('5/control', 'control', 'damascus-tadamon', 'Damascus');
  const aleppo = message('6', 'CasualtiesReported', 'aleppo-salah-al-din', 'Aleppo');
  const actor = message('7', 'ActorRegistered');

  it('lets everything through when nothing is asked for', () => {
    expect([capture, control, aleppo, actor].every((m) => new LiveFilter({}).matches(m))).toBe(true);
    expect(new LiveFilter({ types: [], cities: [] }).matches(actor)).toBe(true);
  });

  it('is OR within a list and AND across lists', () => {
    const filter = new LiveFilter({ cities: ['Damascus', 'Aleppo'], types: ['PositionCaptured', 'CasualtiesReported'] });
    expect([capture, control, aleppo, actor].map((m) => filter.matches(m))).toEqual([true, false, true, false]);
    const one = new LiveFilter({ neighbourhoods: ['damascus-tadamon'], cities: ['Aleppo'] });
    expect([capture, aleppo].map((m) => one.matches(m))).toEqual([false, false]);
  });

  it('sends control messages to a type filter only when it lists control', () => {
    expect(new LiveFilter({ types: ['PositionCaptured'] }).matches(control)).toBe(false);
    expect(new LiveFilter({ types: ['control'] }).matches(control)).toBe(true);
  });

  it('lets actor registrations through only without a neighbourhood or city filter', () => {
    expect(new LiveFilter({ types: ['ActorRegistered'] }).matches(actor)).toBe(true);
    expect(new LiveFilter({ neighbourhoods: ['damascus-tadamon'] }).matches(actor)).toBe(false);
    expect(new LiveFilter({ cities: ['Damascus'] }).matches(actor)).toBe(false);
  });
});

describe('message ids as cursors', () => {
  it('reads a position, or a position and its control message', () => {
    expect(parseMessageId('42')).toEqual({ position: 42, controlSent: false });
    expect(parseMessageId('42/control')).toEqual({ position: 42, controlSent: true });
    for (const bad of ['', '-1', '042', '4.2', '42/', '42/controls', 'control', '99999999999999999']) expect(parseMessageId(bad)).toBeUndefined();
  });

  it("after N sends N's control message; after N/control it does not", () => {
    const five = message('5', 'PositionCaptured');
    const fiveControl = message('5/control', 'control');
    const six = message('6', 'CasualtiesReported');
    expect([five, fiveControl, six].map((m) => isAfter({ position: 5, controlSent: false }, m))).toEqual([false, true, true]);
    expect([five, fiveControl, six].map((m) => isAfter({ position: 5, controlSent: true }, m))).toEqual([false, false, true]);
  });
});
