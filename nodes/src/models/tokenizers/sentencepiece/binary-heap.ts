/**
 * @module
 * A minimal binary max-heap, the `std::priority_queue` SentencePiece's BPE agenda uses.
 */

/**
 * Max-heap ordered by `isBefore(a, b)`: true when `a` must pop before `b`.
 * @example
 * const heap = new BinaryHeap<number>((a, b) => a > b);
 * heap.push(1); heap.push(3);
 * heap.pop(); // 3
 */
export class BinaryHeap<T> {
  readonly #items: T[] = [];
  readonly #isBefore: (a: T, b: T) => boolean;

  constructor(isBefore: (a: T, b: T) => boolean) {
    this.#isBefore = isBefore;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#isBefore(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  /** Removes and returns the first item, or undefined when empty. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < items.length && this.#isBefore(items[left] as T, items[first] as T)) first = left;
      if (right < items.length && this.#isBefore(items[right] as T, items[first] as T)) first = right;
      if (first === i) return top;
      [items[i], items[first]] = [items[first] as T, items[i] as T];
      i = first;
    }
  }
}
