/**
 * @module
 * What Segment does to a model's [0,1] prediction before handing it out, each a pure function on one
 * H x W plane (row-major Float32Array): binarise at a threshold, keep only the largest connected
 * region (drops stray blobs a salient-object model also finds), feather the edge (Gaussian blur) and
 * invert. They run in that order (`refineMask`).
 */

/** Options of `refineMask`; zero / false leaves a step out. */
export interface RefineMaskOptions {
  readonly width: number;
  readonly height: number;
  /** Binarise: 1 where the value is >= threshold, else 0. 0 keeps the soft mask. */
  readonly threshold: number;
  /** Keep the largest 8-connected region of values >= 0.5 (or >= threshold when set), zero the others. */
  readonly keepLargest: boolean;
  /** Blur radius in pixels (Gaussian, sigma = radius / 3, so the kernel spans +-radius). */
  readonly feather: number;
  readonly invert: boolean;
}

/**
 * 1 where `v >= threshold`, else 0.
 * @example
 * thresholdMask(Float32Array.of(0.2, 0.7), 0.5); // [0, 1]
 */
export function thresholdMask(mask: Float32Array, threshold: number): Float32Array {
  return mask.map((v) => (v >= threshold ? 1 : 0));
}

/**
 * Zeroes every 8-connected region of pixels `>= cutoff` except the largest (the first found on a tie),
 * leaving pixels below the cutoff as they are. An empty mask comes back unchanged.
 * @example
 * keepLargestComponent(Float32Array.of(1, 0, 1, 1), { width: 4, height: 1, cutoff: 0.5 }); // [0, 0, 1, 1]
 */
export function keepLargestComponent(
  mask: Float32Array,
  o: { readonly width: number; readonly height: number; readonly cutoff: number },
): Float32Array {
  const { width, height, cutoff } = o;
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const sizes = [0];
  for (let start = 0; start < labels.length; start++) {
    if (labels[start] !== 0 || !(mask[start]! >= cutoff)) continue;
    const label = sizes.length;
    let size = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top]!;
      size++;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (labels[q] === 0 && mask[q]! >= cutoff) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    sizes.push(size);
  }
  if (sizes.length <= 2) return mask.slice();
  let largest = 1;
  for (let l = 2; l < sizes.length; l++) if (sizes[l]! > sizes[largest]!) largest = l;
  return mask.map((v, p) => (labels[p] === 0 || labels[p] === largest ? v : 0));
}

function gaussianKernel(radius: number): Float64Array {
  const r = Math.ceil(radius);
  const sigma = radius / 3;
  const kernel = Float64Array.from({ length: 2 * r + 1 }, (_, i) =>
    Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)),
  );
  const sum = kernel.reduce((a, b) => a + b, 0);
  return kernel.map((k) => k / sum);
}

/** One separable pass along rows (`step` 1) or columns (`step` width), edges replicated. */
function blurPass(
  src: Float32Array,
  kernel: Float64Array,
  o: { lines: number; length: number; lineStride: number; step: number },
): Float32Array {
  const out = new Float32Array(src.length);
  const r = (kernel.length - 1) / 2;
  for (let line = 0; line < o.lines; line++) {
    const base = line * o.lineStride;
    for (let i = 0; i < o.length; i++) {
      let acc = 0;
      for (let k = -r; k <= r; k++) {
        const j = Math.min(Math.max(i + k, 0), o.length - 1);
        acc += kernel[k + r]! * src[base + j * o.step]!;
      }
      out[base + i * o.step] = acc;
    }
  }
  return out;
}

/**
 * Gaussian blur of the mask with sigma = radius / 3; radius <= 0 returns a copy.
 * @example
 * featherMask(mask, { width, height, radius: 6 });
 */
export function featherMask(
  mask: Float32Array,
  o: { readonly width: number; readonly height: number; readonly radius: number },
): Float32Array {
  if (!(o.radius > 0)) return mask.slice();
  const kernel = gaussianKernel(o.radius);
  const rows = blurPass(mask, kernel, { lines: o.height, length: o.width, lineStride: o.width, step: 1 });
  return blurPass(rows, kernel, { lines: o.width, length: o.height, lineStride: 1, step: o.width });
}

/**
 * Threshold -> keep largest -> feather -> invert, each only when asked for.
 * @example
 * const mask = refineMask(probabilities, { width, height, threshold: 0.5, keepLargest: true, feather: 0, invert: false });
 */
export function refineMask(probabilities: Float32Array, o: RefineMaskOptions): Float32Array {
  let mask = o.threshold > 0 ? thresholdMask(probabilities, o.threshold) : probabilities.slice();
  if (o.keepLargest) {
    const cutoff = o.threshold > 0 ? o.threshold : 0.5;
    mask = keepLargestComponent(mask, { width: o.width, height: o.height, cutoff });
  }
  if (o.feather > 0) mask = featherMask(mask, { width: o.width, height: o.height, radius: o.feather });
  return o.invert ? mask.map((v) => 1 - v) : mask;
}
