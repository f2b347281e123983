/**
 * Runs tasks one at a time per key, in arrival order, and different keys concurrently.
 * Commands on one stream are serialised inside this process so that they fold the cached
 * state in turn instead of racing on it; the store's expected-revision check still guards
 * against writers in other processes.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /**
   * Runs the task holding every key at once. Keys are taken one after another in sorted order,
   * so that two tasks over overlapping keys never wait on each other in a cycle.
   */
  runAll<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const hold = (index: number): Promise<T> => (index === sorted.length ? task() : this.run(sorted[index]!, () => hold(index + 1)));
    return hold(0);
  }
}
