/**
 * @module
 * Canny edges as ComfyUI's Canny node computes them (comfy_extras/nodes_canny.py calls kornia
 * `filters.canny`): luminance, 5x5 Gaussian blur (sigma 1, mirrored borders), Sobel gradients
 * (replicated borders, unnormalised), magnitude sqrt(gx^2 + gy^2 + 1e-6), non-maximum suppression
 * across the gradient direction rounded to 45 degrees (zero outside the image), double threshold, and
 * hysteresis: weak pixels 8-connected to strong ones through weak ones become edges. Output is 0 / 1.
 */
import { gaussianBlur, type Plane } from './planes';

/** kornia's eps inside the square root. */
const EPS = 1e-6;

/** The 8 neighbours in kornia's NMS kernel order (index = direction in 45-degree steps). */
const DIRECTIONS: readonly (readonly [number, number])[] = [
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
  [-1, 0],
  [-1, -1],
  [0, -1],
  [1, -1],
];

/** Python's (and torch's) round-half-to-even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function sobel(plane: Plane): { gx: Float64Array; gy: Float64Array } {
  const { width, height, data } = plane;
  const at = (x: number, y: number) =>
    data[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))]!;
  const gx = new Float64Array(data.length);
  const gy = new Float64Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [a, b, c] = [at(x - 1, y - 1), at(x, y - 1), at(x + 1, y - 1)];
      const [d, f] = [at(x - 1, y), at(x + 1, y)];
      const [g, h, i] = [at(x - 1, y + 1), at(x, y + 1), at(x + 1, y + 1)];
      gx[y * width + x] = c - a + 2 * (f - d) + i - g;
      gy[y * width + x] = g - a + 2 * (h - b) + i - c;
    }
  }
  return { gx, gy };
}

/**
 * Canny edges of a luminance plane; thresholds apply to the gradient magnitude of [0, 1] pixels.
 * @example
 * const edges = cannyEdges(grayPlane(image, 0), { low: 0.4, high: 0.8 });
 */
export function cannyEdges(gray: Plane, o: { readonly low: number; readonly high: number }): Plane {
  const { width, height } = gray;
  const { gx, gy } = sobel(gaussianBlur(gray, { size: 5, sigma: 1 }));
  const magnitude = new Float64Array(gx.length);
  for (let p = 0; p < magnitude.length; p++)
    magnitude[p] = Math.sqrt(gx[p]! * gx[p]! + gy[p]! * gy[p]! + EPS);
  const neighbour = (x: number, y: number, dir: number) => {
    const [dx, dy] = DIRECTIONS[dir]!;
    const nx = x + dx;
    const ny = y + dy;
    return nx < 0 || ny < 0 || nx >= width || ny >= height ? 0 : magnitude[ny * width + nx]!;
  };
  // 0 none, 1 weak, 2 strong.
  const level = new Uint8Array(magnitude.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const m = magnitude[p]!;
      const dir = roundHalfEven(Math.atan2(gy[p]!, gx[p]!) * (4 / Math.PI));
      const ahead = (((dir % 8) + 8) % 8) as number;
      const behind = (((dir + 4) % 8) + 8) % 8;
      const isMax = Math.min(m - neighbour(x, y, ahead), m - neighbour(x, y, behind)) > 0;
      const kept = isMax ? m : 0;
      level[p] = kept > o.high ? 2 : kept > o.low ? 1 : 0;
    }
  }
  const out = new Float32Array(level.length);
  const stack: number[] = [];
  for (let p = 0; p < level.length; p++) {
    if (level[p] === 2) {
      out[p] = 1;
      stack.push(p);
    }
  }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const x = p % width;
    const y = (p - x) / width;
    for (const [dx, dy] of DIRECTIONS) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const q = ny * width + nx;
      if (level[q] === 1 && out[q] === 0) {
        out[q] = 1;
        stack.push(q);
      }
    }
  }
  return { width, height, data: out };
}
