import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { checkConditioning } from './check-conditioning';
import type { Conditioning } from './diffusion-types';

const entry = (shape: number[]) => ({ context: Tensor.zeros('float32', shape) });
const shape = { batch: 2, dim: 8 };

describe(checkConditioning.name, () => {
  it('returns the token count of entries with one row or one per latent', () => {
    expect(checkConditioning('label', [entry([1, 77, 8]), entry([2, 77, 8])], shape)).toBe(77);
  });

  it.each<[string, Conditioning, RegExp]>([
    ['an empty list', [], /is empty/],
    ['the wrong width', [entry([1, 77, 4])], /width 4; the model's cross-attention takes 8/],
    [
      'a row count that is neither 1 nor the batch',
      [entry([3, 77, 8])],
      /3 rows; give 1 or one per latent \(2\)/,
    ],
    [
      'entries with different token counts',
      [entry([1, 77, 8]), entry([1, 81, 8])],
      /entry 1 has 81 tokens, entry 0 has 77/,
    ],
    ['a context of the wrong rank', [entry([77, 8])], /not a float32 \[batch, tokens, dim\] tensor/],
  ])('refuses %s, naming the input', (_name, cond, message) => {
    expect(() => checkConditioning("KSampler input 'positive'", cond, shape)).toThrow(message);
    expect(() => checkConditioning("KSampler input 'positive'", cond, shape)).toThrow(
      /^KSampler input 'positive': /,
    );
  });
});
