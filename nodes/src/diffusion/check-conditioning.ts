/**
 * @module
 * Checks a sampler's CONDITIONING inputs against the model and the latent batch before any UNet call,
 * so a mismatch names the input instead of failing inside onnxruntime.
 */
import { EngineError, isFloatTensor } from '@momaflow/engine';
import type { Conditioning } from './diffusion-types';

/** What every conditioning entry must agree on. */
export interface ConditioningShape {
  /** The latent batch: an entry's context has 1 row (shared) or one per latent. */
  readonly batch: number;
  /** The UNet's cross-attention width. */
  readonly dim: number;
}

/**
 * Throws EngineError `invalid_conditioning` naming `label` when `cond` is empty, an entry is not a
 * [1 or batch, tokens, dim] float tensor, or entries disagree on the token count (they run batched).
 * Returns the token count.
 * @example
 * const tokens = checkConditioning("KSampler input 'positive'", positive, { batch: 1, dim: 768 });
 */
export function checkConditioning(label: string, cond: Conditioning, shape: ConditioningShape): number {
  const fail = (why: string): never => {
    throw new EngineError('invalid_conditioning', `${label}: ${why}`);
  };
  if (cond.length === 0) fail('the conditioning is empty');
  let tokens: number | undefined;
  for (const [i, { context }] of cond.entries()) {
    if (!isFloatTensor(context, 3)) fail(`entry ${i} is not a float32 [batch, tokens, dim] tensor`);
    const [rows = 0, count = 0, dim = 0] = context.shape;
    if (dim !== shape.dim)
      fail(`entry ${i} has width ${dim}; the model's cross-attention takes ${shape.dim}`);
    if (rows !== 1 && rows !== shape.batch) {
      fail(`entry ${i} has ${rows} rows; give 1 or one per latent (${shape.batch})`);
    }
    if (tokens !== undefined && count !== tokens) {
      fail(`entry ${i} has ${count} tokens, entry 0 has ${tokens}`);
    }
    tokens = count;
  }
  return tokens ?? 0;
}
