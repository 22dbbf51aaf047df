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
    async (session) => {
      const images: Tensor<'float32'>[] = [];
      for (let b = 0; b < (samples.shape[0] ?? 0); b++) {
        signal?.throwIfAborted();
        images.push(await vaeDecode(session, sliceBatch(samples, b, 1)));
      }
      return concatBatch(images);
    },
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
    async (session) => {
      const latents: Tensor<'float32'>[] = [];
      for (let b = 0; b < (image.shape[0] ?? 0); b++) {
        signal?.throwIfAborted();
        latents.push((await vaeEncode(session, imageToVaeInput(image, b, label))).mean);
      }
      return concatBatch(latents);
    },
    report,
  );
}
