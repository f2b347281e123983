import { LiveMessage } from './live-message.js';
import { SharedFrames } from './live-streams.js';

const message = (position: number): LiveMessage =>
  new LiveMessage(String(position), position, 'event', 'ActorRegistered', undefined, undefined, (audience) => ({ position, audience }));

describe('SharedFrames', () => {
  it('builds a batch once for the streams that take the same messages, and anew for any other batch', () => {
    const frames = new SharedFrames();
    const [a, b, c] = [message(1), message(2), message(3)];
    const first = frames.of([a!, b!], 'others');
    expect(first.toString()).toBe(`${a!.frame('others').toString()}${b!.frame('others').toString()}`);
    expect(frames.of([a!, b!], 'others')).toBe(first);
    const other = frames.of([a!, c!], 'others');
    expect(other).not.toBe(first);
    expect(other.toString()).toBe(`${a!.frame('others').toString()}${c!.frame('others').toString()}`);
    expect(frames.of([a!, c!], 'admin').toString()).toContain('"audience":"admin"');
    expect(frames.of([b!], 'others')).toBe(b!.frame('others'));
  });
});
