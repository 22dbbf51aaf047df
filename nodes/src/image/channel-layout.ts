/**
 * @module
 * Between channels-first (NCHW: latents, model tensors) and channels-last (NHWC: IMAGE, and what
 * `resample` works on) float32 tensors.
 */
import { Tensor } from '@momaflow/engine';

function transpose(t: Tensor<'float32'>, toLast: boolean): Tensor<'float32'> {
  const [n = 0, a = 0, b = 0, c = 0] = t.shape;
  // NCHW [n, C, H, W] -> NHWC [n, H, W, C], or NHWC [n, H, W, C] -> NCHW [n, C, H, W].
  const [channels, h, w] = toLast ? [a, b, c] : [c, a, b];
  const out = new Float32Array(t.size);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < channels; ch++) {
      for (let p = 0; p < plane; p++) {
        const first = (i * channels + ch) * plane + p;
        const last = (i * plane + p) * channels + ch;
        if (toLast) out[last] = t.data[first]!;
        else out[first] = t.data[last]!;
      }
    }
  }
  return new Tensor('float32', toLast ? [n, h, w, channels] : [n, channels, h, w], out);
}

/**
 * [N, C, H, W] as [N, H, W, C].
 * @example
 * const nhwc = nchwToNhwc(latent.samples);
 */
export const nchwToNhwc = (t: Tensor<'float32'>): Tensor<'float32'> => transpose(t, true);

/**
 * [N, H, W, C] as [N, C, H, W].
 * @example
 * const nchw = nhwcToNchw(resized);
 */
export const nhwcToNchw = (t: Tensor<'float32'>): Tensor<'float32'> => transpose(t, false);
