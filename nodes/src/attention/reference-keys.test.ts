import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { compactReference, keptPositions } from './reference-keys';

describe(keptPositions.name, () => {
  it('resizes the mask by nearest neighbour (floor(i * in / out)) and keeps values >= 0.5', () => {
    // A 4x6 mask whose right half is the subject, onto a 2x3 layer.
    const mask = Tensor.zeros('float32', [1, 4, 6]);
    for (let y = 0; y < 4; y++) mask.data.fill(0.9, y * 6 + 3, y * 6 + 6);
    mask.data[0] = 0.4;
    expect(keptPositions(mask, 2, 3)).toEqual([2, 5]);
    expect(keptPositions(undefined, 2, 2)).toEqual([0, 1, 2, 3]);
  });
});

describe(compactReference.name, () => {
  it('keeps the rows of the kept positions, and one zero row when none is kept', () => {
    const t = new Tensor('float32', [1, 3, 2], Float32Array.of(1, 2, 3, 4, 5, 6));
    expect(Array.from(compactReference(t, [0, 2]).data)).toEqual([1, 2, 5, 6]);
    const none = compactReference(t, []);
    expect(none.shape).toEqual([1, 1, 2]);
    expect(Array.from(none.data)).toEqual([0, 0]);
  });
});
