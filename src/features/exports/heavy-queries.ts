import { Inject, Injectable } from '@nestjs/common';
import { ApplicationError } from '../../application/application-error.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';

/** What a busy server tells a client to wait before it asks again. */
export const SERVER_BUSY_RETRY_AFTER_SECONDS = 5;

/**
 * The cap on heavy queries answered at once (TIMELINE_MAX_HEAVY_QUERIES; 0: none): exports,
 * which stream for as long as their client reads, and perspective folds, which read a whole
 * neighbourhood's history. A query over the cap is refused at once with 503 SERVER_BUSY and
 * Retry-After rather than queued: a queue would hold connections and memory for answers that
 * start late anyway.
 */
@Injectable()
export class HeavyQueries {
  private running = 0;
  private readonly cap: number;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'maxHeavyQueries'>) {
    this.cap = config.maxHeavyQueries;
  }

  /** Heavy queries under way now. */
  get inFlight(): number {
    return this.running;
  }

  /** Takes a slot for `what`, or refuses with SERVER_BUSY; the function returned gives it back (calling it again does nothing). */
  acquire(what: string): () => void {
    if (this.cap > 0 && this.running >= this.cap) {
      throw new ApplicationError(
        'SERVER_BUSY',
        `${this.running} heavy queries are under way, the most this server answers at once; retry ${what} in a moment`,
        [{ heavyQueries: this.running, cap: this.cap }],
        SERVER_BUSY_RETRY_AFTER_SECONDS,
      );
    }
    this.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
    };
  }

  /** Runs `query` in a slot. */
  async run<T>(what: string, query: () => Promise<T>): Promise<T> {
    const release = this.acquire(what);
    try {
      return await query();
    } finally {
      release();
    }
  }
}
