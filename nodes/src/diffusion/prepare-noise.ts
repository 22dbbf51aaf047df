/**
 * @module
 * The start noise of a KSampler run, ComfyUI's `comfy/sample.py` `prepare_noise`: one
 * `torch.randn(shape)` from the seed, or, for a LATENT that carries `batchIndex` (picked from or
 * repeated out of a batch), one [1, ...] draw per index up to the largest, so each entry gets the
 * noise it had in the original batch.
 */
import { EngineError, type Tensor } from '@momaflow/engine';
import { type Seed, TorchCpuGenerator, torchRandn } from '../samplers';
import { concatBatch } from './batch-tensors';

/** Options of `prepareNoise`. */
export interface PrepareNoiseOptions {
  readonly seed: Seed;
  /** The latent's shape [batch, ...]. */
  readonly shape: readonly number[];
  readonly batchIndex?: readonly number[];
}

/**
 * Unit noise shaped like the latent.
 * @example
 * prepareNoise({ seed: 42, shape: [2, 4, 64, 64], batchIndex: [3, 5] }); // draws 0..5, keeps 3 and 5
 */
export function prepareNoise(o: PrepareNoiseOptions): Tensor<'float32'> {
  if (o.batchIndex === undefined) return torchRandn({ seed: o.seed, shape: o.shape });
  const [batch = 0, ...item] = o.shape;
  if (o.batchIndex.length !== batch || o.batchIndex.some((i) => !Number.isInteger(i) || i < 0)) {
    throw new EngineError(
      'invalid_input',
      `the latent's batch_index must hold ${batch} non-negative integers, got [${o.batchIndex.join(', ')}]`,
    );
  }
  const generator = new TorchCpuGenerator(o.seed);
  const draws: Tensor<'float32'>[] = [];
  for (let i = 0; i <= Math.max(...o.batchIndex); i++) draws.push(generator.randn([1, ...item]));
  return concatBatch(o.batchIndex.map((i) => draws[i]!));
}
