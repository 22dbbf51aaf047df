/**
 * @module
 * XDoG scribbles, the `scribble_xdog` preprocessor of the ControlNet 1.1 tools (lllyasviel's
 * annotator, controlnet_aux `scribble_xdog`): per RGB channel of the 0..255 image, a Gaussian blur of
 * sigma 5 minus one of sigma 0.5 (OpenCV kernel sizes for float images: 41 and 5, mirrored borders),
 * the most negative channel as darkness, and white lines where 2 * darkness exceeds the threshold.
 * Needs no weights; its lines suit the scribble and lineart ControlNets.
 */

import type { Tensor } from '@momaflow/engine';
import { channelPlane, gaussianBlur, type Plane } from './planes';

/** OpenCV's Gaussian kernel size for float images when only sigma is given: round(8 sigma + 1) | 1. */
function cvKernelSize(sigma: number): number {
  return Math.round(sigma * 8 + 1) | 1;
}

const FINE = 0.5;
const COARSE = 5;

/**
 * Scribble lines (0 / 1) of image `n` of `image` [N, H, W, C] in [0, 1].
 * @example
 * const lines = scribbleXdog(image, 0, { threshold: 32 });
 */
export function scribbleXdog(image: Tensor<'float32'>, n: number, o: { readonly threshold: number }): Plane {
  const channels = Math.min(3, image.shape[3] ?? 0);
  let darkest: Float64Array | undefined;
  for (let c = 0; c < channels; c++) {
    const plane = channelPlane(image, n, c);
    const scaled: Plane = { ...plane, data: plane.data.map((v) => v * 255) };
    const fine = gaussianBlur(scaled, { size: cvKernelSize(FINE), sigma: FINE });
    const coarse = gaussianBlur(scaled, { size: cvKernelSize(COARSE), sigma: COARSE });
    darkest ??= new Float64Array(plane.data.length).fill(Number.POSITIVE_INFINITY);
    for (let p = 0; p < darkest.length; p++)
      darkest[p] = Math.min(darkest[p]!, coarse.data[p]! - fine.data[p]!);
  }
  const [, height = 0, width = 0] = image.shape;
  const out = new Float32Array(width * height);
  for (let p = 0; p < out.length; p++) {
    // dog = uint8(clip(255 - min(g2 - g1), 0, 255)); a line where 2 * (255 - dog) > threshold.
    const dog = Math.floor(Math.min(255, Math.max(0, 255 - (darkest?.[p] ?? 0))));
    out[p] = 2 * (255 - dog) > o.threshold ? 1 : 0;
  }
  return { width, height, data: out };
}
