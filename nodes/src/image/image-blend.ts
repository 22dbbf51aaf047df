/**
 * @module
 * ImageBlend, ComfyUI's node (comfy_extras/nodes_post_processing.py `Blend`): mixes two images with
 * a blend mode, image2 resized (bicubic, center crop) to image1 when their sizes differ, the result
 * clamped to [0, 1].
 */
import { defineNode, EngineError, Input, Tensor } from '@momaflow/engine';
import { commonUpscale } from './common-upscale';
import { requireImage } from './tensor-checks';

/** ImageBlend's modes, in ComfyUI's order. */
export const BLEND_MODES = ['normal', 'multiply', 'screen', 'overlay', 'soft_light', 'difference'] as const;
export type BlendMode = (typeof BLEND_MODES)[number];

/** ComfyUI's soft-light helper g(x). */
const g = (x: number) => (x <= 0.25 ? ((16 * x - 12) * x + 4) * x : Math.sqrt(x));

/** Each mode on one pair of values. */
const MODES = {
  normal: (_a, b) => b,
  multiply: (a, b) => a * b,
  screen: (a, b) => 1 - (1 - a) * (1 - b),
  overlay: (a, b) => (a <= 0.5 ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b)),
  soft_light: (a, b) => (b <= 0.5 ? a - (1 - 2 * b) * a * (1 - a) : a + (2 * b - 1) * (g(a) - a)),
  difference: (a, b) => a - b,
} as const satisfies Record<BlendMode, (a: number, b: number) => number>;

/**
 * image1 * (1 - factor) + mode(image1, image2) * factor, clamped; image2 may have one image for a batch.
 * @example
 * blendImages(a, b, { factor: 0.5, mode: 'screen' });
 */
export function blendImages(
  image1: Tensor<'float32'>,
  image2: Tensor<'float32'>,
  o: { readonly factor: number; readonly mode: BlendMode },
): Tensor<'float32'> {
  let [a, b] = [image1, image2];
  const [n = 0, h = 0, w = 0] = a.shape;
  // ComfyUI's image_alpha_fix: drop image2's extra channels, or give image1 an opaque alpha.
  if ((a.shape[3] ?? 0) < (b.shape[3] ?? 0)) b = keepChannels(b, a.shape[3]!);
  else if ((a.shape[3] ?? 0) > (b.shape[3] ?? 0)) a = withOpaqueAlpha(a);
  if (b.shape[1] !== h || b.shape[2] !== w)
    b = commonUpscale(b, { width: w, height: h, method: 'bicubic', crop: 'center' });
  const nb = b.shape[0] ?? 0;
  if (nb !== n && nb !== 1) {
    throw new EngineError('invalid_image', `ImageBlend: image2 has ${nb} images for ${n}; give 1 or ${n}`);
  }
  const per = a.size / n;
  const mode = MODES[o.mode];
  const out = new Float32Array(a.size);
  for (let i = 0; i < out.length; i++) {
    const va = a.data[i]!;
    const vb = b.data[nb === 1 ? i % per : i]!;
    out[i] = Math.min(1, Math.max(0, va * (1 - o.factor) + mode(va, vb) * o.factor));
  }
  return new Tensor('float32', a.shape, out);
}

function keepChannels(t: Tensor<'float32'>, channels: number): Tensor<'float32'> {
  const from = t.shape[3]!;
  const pixels = t.size / from;
  const out = new Float32Array(pixels * channels);
  for (let p = 0; p < pixels; p++)
    for (let c = 0; c < channels; c++) out[p * channels + c] = t.data[p * from + c]!;
  return new Tensor('float32', [...t.shape.slice(0, 3), channels], out);
}

function withOpaqueAlpha(t: Tensor<'float32'>): Tensor<'float32'> {
  const from = t.shape[3]!;
  const pixels = t.size / from;
  const out = new Float32Array(pixels * (from + 1));
  for (let p = 0; p < pixels; p++) {
    out.set(t.data.subarray(p * from, (p + 1) * from), p * (from + 1));
    out[p * (from + 1) + from] = 1;
  }
  return new Tensor('float32', [...t.shape.slice(0, 3), from + 1], out);
}

/** ComfyUI's ImageBlend. */
export const ImageBlend = defineNode({
  type: 'ImageBlend',
  displayName: 'Image Blend',
  category: 'image/postprocessing',
  description: 'Blends image2 onto image1 with a blend mode and factor.',
  concurrent: true,
  inputs: {
    image1: Input.link('IMAGE', { tooltip: 'The base images.' }),
    image2: Input.link('IMAGE', { tooltip: 'The images blended on (resized to image1).' }),
    blend_factor: Input.float({
      default: 0.5,
      min: 0,
      max: 1,
      step: 0.01,
      tooltip: 'How much of the blend to apply.',
    }),
    blend_mode: Input.combo({
      options: BLEND_MODES,
      default: 'normal',
      tooltip: 'How the two images combine.',
    }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The blended images.' }],
  run: (_ctx, { image1, image2, blend_factor, blend_mode }) => [
    blendImages(
      requireImage(image1, "ImageBlend input 'image1'"),
      requireImage(image2, "ImageBlend input 'image2'"),
      {
        factor: blend_factor,
        mode: blend_mode,
      },
    ),
  ],
});
