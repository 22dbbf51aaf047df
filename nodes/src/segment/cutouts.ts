/**
 * @module
 * The subject cut out with its mask: on white (RGB, what MoMA's MLLM reads: the reference subject on a
 * plain background) and as RGBA with the mask as alpha (what ComfyUI's background-removal nodes give
 * and SaveImage writes as a transparent PNG).
 */

/**
 * `rgb` is one H x W x 3 image, `mask` its H x W subject mask in [0,1].
 * @example
 * const { onWhite, rgba } = cutouts(rgb.data, mask);
 */
export function cutouts(
  rgb: Float32Array,
  mask: Float32Array,
): { onWhite: Float32Array; rgba: Float32Array } {
  const pixels = mask.length;
  const onWhite = new Float32Array(pixels * 3);
  const rgba = new Float32Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const alpha = mask[p]!;
    for (let c = 0; c < 3; c++) {
      const v = rgb[p * 3 + c]!;
      onWhite[p * 3 + c] = v * alpha + (1 - alpha);
      rgba[p * 4 + c] = v;
    }
    rgba[p * 4 + 3] = alpha;
  }
  return { onWhite, rgba };
}
