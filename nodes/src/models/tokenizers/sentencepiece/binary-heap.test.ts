import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryHeap } from './binary-heap';

describe(BinaryHeap.name, () => {
  it('pops in the order of isBefore (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (values) => {
        const heap = new BinaryHeap<number>((a, b) => a > b);
        for (const v of values) heap.push(v);
        const popped: number[] = [];
        for (let v = heap.pop(); v !== undefined; v = heap.pop()) popped.push(v);
        expect(popped).toEqual([...values].sort((a, b) => b - a));
        expect(heap.size).toBe(0);
      }),
    );
  });

  it('returns undefined when empty', () => {
    expect(new BinaryHeap<number>((a, b) => a < b).pop()).toBeUndefined();
  });
});
