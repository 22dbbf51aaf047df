/**
 * @module
 * VAE decode / encode of whole batches through a VAE handle, one image at a time: a full-size SD1.5
 * decoder at 512x512 needs gigabytes of activations per image, so batching would multiply the peak
 * for no speed-up on a CPU. The abort signal is checked between images.
 */
import type { NodeEnv, Tensor } from '@momaflow/engine';
import { vaeDecode, vaeEncode } from '../models/vae';
import { concatBatch, sliceBatch } from './batch-tensors';
import type { VaeModel } from './diffusion-types';
import { imageToVaeInput } from './image-layout';
import { type LoadReporter, withModelSession } from './model-graphs';

/** `run` on each batch entry in turn (checking `signal` between them), concatenated. */
async function eachImage(
  count: number,
  signal: AbortSignal | undefined,
  run: (b: number) => Promise<Tensor<'float32'>>,
): Promise<Tensor<'float32'>> {
  const parts: Tensor<'float32'>[] = [];
  for (let b = 0; b < count; b++) {
    signal?.throwIfAborted();
    parts.push(await run(b));
  }
  return concatBatch(parts);
}

/**
 * Decode LATENT samples [B, 4, h, w] (VAE space) into images [B, 3, 8h, 8w] in about [-1, 1].
 * @example
 * const decoded = await decodeLatent(env, vae, latent.samples);
 */
export function decodeLatent(
  env: NodeEnv,
  vae: VaeModel,
  samples: Tensor<'float32'>,
  signal?: AbortSignal,
  report?: LoadReporter,
): Promise<Tensor<'float32'>> {
  return withModelSession(
    env,
    { kind: 'vae-decoder', handle: vae },
    (session) =>
      eachImage(samples.shape[0] ?? 0, signal, (b) => vaeDecode(session, sliceBatch(samples, b, 1))),
    report,
  );
}

/**
 * Encode an IMAGE batch (NHWC in [0, 1]) into LATENT samples: the posterior mean (deterministic), in
 * VAE space.
 * @example
 * const samples = await encodeImage(env, vae, image, "VAEEncode input 'pixels'");
 */
export function encodeImage(
  env: NodeEnv,
  vae: VaeModel,
  image: Tensor<'float32'>,
  label: string,
  signal?: AbortSignal,
  report?: LoadReporter,
): Promise<Tensor<'float32'>> {
  return withModelSession(
    env,
    { kind: 'vae-encoder', handle: vae },
    (session) =>
      eachImage(
        image.shape[0] ?? 0,
        signal,
        async (b) => (await vaeEncode(session, imageToVaeInput(image, b, label))).mean,
      ),
    report,
  );
}
