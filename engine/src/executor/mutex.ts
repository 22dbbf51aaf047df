/**
 * @module
 * A FIFO mutex: nodes that are not declared `concurrent` take it, so they run one at a time, in the
 * order they became ready.
 */
export class Mutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}
