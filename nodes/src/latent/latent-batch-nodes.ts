/**
 * @module
 * LatentFromBatch and RepeatLatentBatch, ComfyUI's nodes: pick a run of latents out of a batch or
 * repeat a batch, carrying the noise mask along and recording `batchIndex`, so a sampler gives each
 * latent the noise it had in the original batch.
 */
import { defineNode, Input, type Tensor } from '@momaflow/engine';
import { concatBatch, type Latent, sliceBatch } from '../diffusion';

/** `t` repeated `times` along axis 0. */
const repeatBatch = (t: Tensor<'float32'>, times: number): Tensor<'float32'> =>
  concatBatch(new Array<Tensor<'float32'>>(times).fill(t));

/**
 * Entries [index, index + length) of a LATENT, both clamped to the batch as ComfyUI does.
 * @example
 * latentFromBatch(latent, 2, 1).batchIndex; // [2]
 */
export function latentFromBatch(latent: Latent, index: number, length: number): Latent {
  const batch = latent.samples.shape[0] ?? 0;
  const start = Math.min(batch - 1, index);
  const count = Math.min(batch - start, length);
  const out: { -readonly [K in keyof Latent]: Latent[K] } = {
    samples: sliceBatch(latent.samples, start, count),
  };
  const mask = latent.noiseMask;
  if (mask !== undefined) {
    const masks = mask.shape[0] ?? 0;
    // Fewer masks than latents: cycle them up to the batch first.
    const full =
      masks === 1 || masks >= batch
        ? mask
        : sliceBatch(repeatBatch(mask, Math.ceil(batch / masks)), 0, batch);
    out.noiseMask = masks === 1 ? mask : sliceBatch(full, start, count);
  }
  out.batchIndex =
    latent.batchIndex?.slice(start, start + count) ?? Array.from({ length: count }, (_, i) => start + i);
  return out;
}

/**
 * A LATENT repeated `amount` times (ComfyUI's offsets for `batchIndex`).
 * @example
 * repeatLatentBatch(latent, 3).samples.shape[0]; // 3 * latent batch
 */
export function repeatLatentBatch(latent: Latent, amount: number): Latent {
  const out: { -readonly [K in keyof Latent]: Latent[K] } = {
    ...latent,
    samples: repeatBatch(latent.samples, amount),
  };
  if (latent.noiseMask !== undefined && (latent.noiseMask.shape[0] ?? 0) > 1) {
    out.noiseMask = repeatBatch(latent.noiseMask, amount);
  }
  const indices = latent.batchIndex;
  if (indices !== undefined && indices.length > 0) {
    const offset = Math.max(...indices) - Math.min(...indices) + 1;
    out.batchIndex = [
      ...indices,
      ...Array.from({ length: amount - 1 }, (_, k) => indices.map((x) => x + (k + 1) * offset)).flat(),
    ];
  }
  return out;
}

/** ComfyUI's LatentFromBatch. */
export const LatentFromBatch = defineNode({
  type: 'LatentFromBatch',
  displayName: 'Latent From Batch',
  category: 'latent/batch',
  description: 'Takes `length` latents starting at `batch_index` out of a batch.',
  concurrent: true,
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'The batch.' }),
    batch_index: Input.int({ default: 0, min: 0, max: 63, tooltip: 'The first latent to take (0-based).' }),
    length: Input.int({ default: 1, min: 1, max: 64, tooltip: 'How many latents to take.' }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The latents taken.' }],
  run: (_ctx, { samples, batch_index, length }) => [latentFromBatch(samples, batch_index, length)],
});

/** ComfyUI's RepeatLatentBatch. */
export const RepeatLatentBatch = defineNode({
  type: 'RepeatLatentBatch',
  displayName: 'Repeat Latent Batch',
  category: 'latent/batch',
  description: 'Repeats a batch of latents.',
  concurrent: true,
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'The batch to repeat.' }),
    amount: Input.int({ default: 1, min: 1, max: 64, tooltip: 'How many copies.' }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The repeated batch.' }],
  run: (_ctx, { samples, amount }) => [repeatLatentBatch(samples, amount)],
});
