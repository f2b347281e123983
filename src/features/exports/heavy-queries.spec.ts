import { ApplicationError } from '../../application/application-error.js';
import { HeavyQueries, SERVER_BUSY_RETRY_AFTER_SECONDS } from './heavy-queries.js';

describe('HeavyQueries', () => {
  it('answers as many heavy queries at once as its cap, refuses the next with SERVER_BUSY and Retry-After, and takes one again once a slot is free', () => {
    const heavy = new HeavyQueries({ maxHeavyQueries: 2 });
    const first = heavy.acquire('the export');
    heavy.acquire('the export');
    let refusal: unknown;
    try {
      heavy.acquire('the export');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ApplicationError);
    expect(refusal).toMatchObject({ code: 'SERVER_BUSY', retryAfterSeconds: SERVER_BUSY_RETRY_AFTER_SECONDS });
    expect(heavy.inFlight).toBe(2);
    first();
    // Giving a slot back twice frees it once.
    first();
    expect(heavy.inFlight).toBe(1);
    heavy.acquire('the export');
    expect(() => heavy.acquire('the export')).toThrow(ApplicationError);
  });

  it('has no cap at 0', () => {
    const heavy = new HeavyQueries({ maxHeavyQueries: 0 });
    for (let i = 0; i < 100; i += 1) heavy.acquire('the export');
    expect(heavy.inFlight).toBe(100);
  });

  it('gives a slot back when the query it ran fails', async () => {
    const heavy = new HeavyQueries({ maxHeavyQueries: 1 });
    await expect(heavy.run('the perspective', () => Promise.reject(new Error('read failed')))).rejects.toThrow('read failed');
    await expect(heavy.run('the perspective', () => Promise.resolve(7))).resolves.toBe(7);
    expect(heavy.inFlight).toBe(0);
  });
});
