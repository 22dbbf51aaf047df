/**
 * @module
 * Sampling under a LATENT's noise mask (inpainting), ComfyUI's `KSamplerX0Inpaint`: before each model
 * call the masked-out area (mask 0) of the sample is replaced by the original latent noised to the
 * call's level with the run's noise, and after it the model's output there is replaced by what keeps
 * that area on the original: the latent itself for x0 predictions (k-diffusion), the noise for
 * epsilon predictions (diffusers DDIM). Mask 1 areas are sampled freely; values between blend.
 */
import { EngineError, Tensor } from '@momaflow/engine';
import { resample } from '../image';
import type { Denoiser, DiscreteSchedule, NoiseLevelDomain } from '../samplers';

/** Options of `prepareNoiseMask`. */
export interface NoiseMaskShape {
  /** The latent the mask applies to: [batch, channels, h, w]. */
  readonly shape: readonly number[];
  readonly label: string;
}

/**
 * ComfyUI `reshape_mask`: a [N, 1, H, W] or [N, H, W] mask resized bilinearly to the latent's size,
 * repeated over its channels and cycled (or cut) to its batch.
 * @throws EngineError `invalid_mask` naming `label` when the mask is not 3-d or 4-d with one channel.
 * @example
 * const mask = prepareNoiseMask(latent.noiseMask, { shape: samples.shape, label: "KSampler input 'latent_image'" });
 */
export function prepareNoiseMask(mask: Tensor<'float32'>, o: NoiseMaskShape): Tensor<'float32'> {
  const [batch = 0, channels = 0, h = 0, w = 0] = o.shape;
  const isMask = (mask.rank === 4 && mask.shape[1] === 1) || mask.rank === 3;
  if (!isMask || mask.size === 0) {
    throw new EngineError(
      'invalid_mask',
      `${o.label}: the noise mask must be [N, 1, H, W] or [N, H, W], got [${mask.shape.join(', ')}]`,
    );
  }
  const n = mask.shape[0]!;
  const [mh, mw] = mask.shape.slice(-2) as [number, number];
  const resized = resample(mask.reshape([n, mh, mw, 1]), { width: w, height: h, method: 'bilinear' });
  const out = new Float32Array(batch * channels * h * w);
  const plane = h * w;
  for (let b = 0; b < batch; b++) {
    const src = resized.data.subarray((b % n) * plane, ((b % n) + 1) * plane);
    for (let c = 0; c < channels; c++) out.set(src, (b * channels + c) * plane);
  }
  return new Tensor('float32', [batch, channels, h, w], out);
}

/** Options of `createInpaintDenoiser`. */
export interface InpaintDenoiserOptions {
  readonly denoise: Denoiser;
  /** 1 = sample, 0 = keep, shaped like the latent (`prepareNoiseMask`). */
  readonly mask: Tensor<'float32'>;
  /** The original latent, in the model's (scaled) space. */
  readonly latent: Tensor<'float32'>;
  /** Unit noise the kept area is noised with. */
  readonly noise: Tensor<'float32'>;
  readonly domain: NoiseLevelDomain;
  /** For the timestep domain: abar per training timestep (negative levels: abar_0). */
  readonly schedule: DiscreteSchedule;
}

/**
 * The denoiser with the kept area pinned to the original latent.
 * @example
 * const denoise = createInpaintDenoiser({ denoise: guided, mask, latent, noise, domain: 'sigma', schedule: SD1_SCHEDULE });
 */
export function createInpaintDenoiser(o: InpaintDenoiserOptions): Denoiser {
  const { mask, latent, noise } = o;
  const m = mask.data;
  return async (x, level, stepIndex) => {
    // The original at this level: latent + sigma * noise, or sqrt(abar) latent + sqrt(1 - abar) noise.
    const abar = o.domain === 'timestep' ? o.schedule.alphasCumprod[Math.max(0, level)]! : 1;
    const [a, b] = o.domain === 'sigma' ? [1, level] : [Math.sqrt(abar), Math.sqrt(1 - abar)];
    const mixed = new Float32Array(x.size);
    for (let i = 0; i < mixed.length; i++) {
      mixed[i] = x.data[i]! * m[i]! + (a * latent.data[i]! + b * noise.data[i]!) * (1 - m[i]!);
    }
    const out = await o.denoise(new Tensor('float32', x.shape, mixed), level, stepIndex);
    const keep = o.domain === 'sigma' ? latent : noise;
    const pinned = new Float32Array(out.size);
    for (let i = 0; i < pinned.length; i++) pinned[i] = out.data[i]! * m[i]! + keep.data[i]! * (1 - m[i]!);
    return new Tensor('float32', out.shape, pinned);
  };
}
