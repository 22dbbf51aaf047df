/**
 * @module
 * ComfyUI's `tiled_scale` (comfy/utils.py `tiled_scale_multidim`, two spatial axes): run a function
 * that scales an NCHW tensor by a fixed factor (a VAE decoder: x8, encoder: x1/8) tile by tile and
 * blend the tiles with linear ramps over their overlaps, so an image of any size fits in memory.
 */
import { Tensor } from '@momaflow/engine';
import { roundHalfEven } from '../image';

/** Options of `tiledScale`. */
export interface TiledScaleOptions {
  /** Tile size in input pixels. */
  readonly tileX: number;
  readonly tileY: number;
  /** Overlap of neighbouring tiles in input pixels. */
  readonly overlap: number;
  /** Output size per input pixel (8 for decoding, 1/8 for encoding). */
  readonly scale: number;
  readonly outChannels: number;
  readonly signal?: AbortSignal;
}

/** Tile starts along one axis: ComfyUI's range(0, size - overlap, tile - overlap), clamped. */
function starts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const out: number[] = [];
  for (let p = 0; p < size - overlap; p += tile - overlap) out.push(Math.max(0, Math.min(size - overlap, p)));
  return out;
}

/** Rows [y, y+h) and columns [x, x+w) of one [1, C, H, W] tensor. */
function crop(t: Tensor<'float32'>, y: number, x: number, h: number, w: number): Tensor<'float32'> {
  const [, c = 0, H = 0, W = 0] = t.shape;
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let r = 0; r < h; r++) {
      const from = (ch * H + y + r) * W + x;
      out.set(t.data.subarray(from, from + w), (ch * h + r) * w);
    }
  }
  return new Tensor('float32', [1, c, h, w], out);
}

/** The blend weights of one output tile: linear ramps of `feather` pixels on each side. */
function ramp(size: number, feather: number): Float64Array {
  const w = new Float64Array(size).fill(1);
  if (feather >= size) return w;
  for (let t = 0; t < feather; t++) {
    const a = (t + 1) / feather;
    w[t]! *= a;
    w[size - 1 - t]! *= a;
  }
  return w;
}

/**
 * `fn` applied to `samples` ([B, C, H, W]) tile by tile, blended.
 * @example
 * const image = await tiledScale(latent, (tile) => vaeDecode(session, tile), { tileX: 64, tileY: 64, overlap: 8, scale: 8, outChannels: 3 });
 */
export async function tiledScale(
  samples: Tensor<'float32'>,
  fn: (tile: Tensor<'float32'>) => Promise<Tensor<'float32'>>,
  o: TiledScaleOptions,
): Promise<Tensor<'float32'>> {
  const [batch = 0, channels = 0, H = 0, W = 0] = samples.shape;
  const outH = roundHalfEven(H * o.scale);
  const outW = roundHalfEven(W * o.scale);
  const plane = o.outChannels * outH * outW;
  const out = new Float32Array(batch * plane);
  const feather = roundHalfEven(o.overlap * o.scale);
  for (let b = 0; b < batch; b++) {
    const one = new Tensor(
      'float32',
      [1, channels, H, W],
      samples.data.subarray(b * (samples.size / batch), (b + 1) * (samples.size / batch)),
    );
    if (H <= o.tileY && W <= o.tileX) {
      o.signal?.throwIfAborted();
      out.set((await fn(one)).data, b * plane);
      continue;
    }
    const sum = new Float64Array(plane);
    const weight = new Float64Array(plane);
    for (const y of starts(H, o.tileY, o.overlap)) {
      for (const x of starts(W, o.tileX, o.overlap)) {
        o.signal?.throwIfAborted();
        const h = Math.min(o.tileY, H - y);
        const w = Math.min(o.tileX, W - x);
        const tile = await fn(crop(one, y, x, h, w));
        const [, , th = 0, tw = 0] = tile.shape;
        const ry = ramp(th, feather);
        const rx = ramp(tw, feather);
        const oy = roundHalfEven(y * o.scale);
        const ox = roundHalfEven(x * o.scale);
        for (let c = 0; c < o.outChannels; c++) {
          for (let r = 0; r < th; r++) {
            for (let q = 0; q < tw; q++) {
              const m = ry[r]! * rx[q]!;
              const dst = (c * outH + oy + r) * outW + ox + q;
              sum[dst]! += tile.data[(c * th + r) * tw + q]! * m;
              weight[dst]! += m;
            }
          }
        }
      }
    }
    for (let i = 0; i < plane; i++) out[b * plane + i] = sum[i]! / weight[i]!;
  }
  return new Tensor('float32', [batch, o.outChannels, outH, outW], out);
}
