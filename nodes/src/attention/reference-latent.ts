/**
 * @module
 * A reference image's latent (VAE posterior mean, VAE space), kept by content: MoMAApply runs again
 * whenever the prompt changes (its image-prompt tokens depend on it), and must not encode the same
 * reference again. And the UNet input of a reference pass: that latent scaled and noised at a
 * timestep (diffusers `add_noise`).
 */
import { defineResource, type NodeEnv, Tensor, tensorsDigest } from '@momaflow/engine';
import { DIFFUSION_SESSIONS } from '../diffusion/diffusion-resources';
import type { VaeModel } from '../diffusion/diffusion-types';
import { LruMemo } from '../diffusion/lru-memo';
import { modelGraph } from '../diffusion/model-graphs';
import { encodeImage } from '../diffusion/vae-codec';
import { SD1_SCHEDULE } from '../samplers';

/**
 * Reference latents by `<vae key>:<image digest>`.
 * @example
 * env.resource(REFERENCE_LATENTS).keys();
 */
export const REFERENCE_LATENTS = defineResource(
  'attention.reference-latents',
  () => new LruMemo<Tensor<'float32'>>(2),
);

/**
 * The latent [1, 4, h, w] of a one-image IMAGE batch, encoded once per VAE and image content.
 * @example
 * const latent = await referenceLatent(env, vae, image, "MoMAApply input 'reference_image'");
 */
export function referenceLatent(
  env: NodeEnv,
  vae: VaeModel,
  image: Tensor<'float32'>,
  label: string,
  signal?: AbortSignal,
): Promise<Tensor<'float32'>> {
  const key = `${vae.key}:${tensorsDigest([['image', image]])}`;
  return env.resource(REFERENCE_LATENTS).get(key, async () => {
    const latent = await encodeImage(env, vae, image, label, signal);
    // One encode per reference: the encoder's session (a full-size one keeps about a gigabyte of
    // activation arena after a 512x512 image) is not kept next to the UNet's for later.
    const sessions = env.resource(DIFFUSION_SESSIONS);
    await sessions.unload(await sessions.keyOf(await modelGraph(env, { kind: 'vae-encoder', handle: vae })));
    return latent;
  });
}

/** Options of `referenceSample`. */
export interface ReferenceSampleOptions {
  /** [1, 4, h, w] in VAE space. */
  readonly latent: Tensor<'float32'>;
  /** Unit noise shaped like `latent`. */
  readonly noise: Tensor<'float32'>;
  readonly timestep: number;
  /** The model's latent scale (SD1.x 0.18215). */
  readonly latentScale: number;
}

/**
 * sqrt(abar_t) * latent * scale + sqrt(1 - abar_t) * noise, with SD1.x's schedule.
 * @example
 * const sample = referenceSample({ latent, noise, timestep: 0, latentScale: SD15_LATENT_SCALE });
 */
export function referenceSample(o: ReferenceSampleOptions): Tensor<'float32'> {
  const abar = SD1_SCHEDULE.alphasCumprod[o.timestep]!;
  const a = Math.sqrt(abar) * o.latentScale;
  const n = Math.sqrt(1 - abar);
  const out = Tensor.zeros('float32', o.latent.shape);
  for (let i = 0; i < out.size; i++) out.data[i] = a * o.latent.data[i]! + n * o.noise.data[i]!;
  return out;
}
