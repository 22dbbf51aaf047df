/**
 * @module
 * VAEDecodeTiled and VAEEncodeTiled, ComfyUI's nodes: the VAE run tile by tile (tiled-scale.ts) so
 * large images fit in memory. Like ComfyUI (`VAE.decode_tiled_` / `encode_tiled_`), each runs three
 * tilings (square, wide and tall tiles) and averages them, which hides the seams of any one tiling.
 * The temporal inputs exist for ComfyUI's video VAEs and do nothing for SD1.x.
 */
import type { NodeEnv, Tensor } from '@momaflow/engine';
import { defineNode, Input } from '@momaflow/engine';
import { requireImage } from '../image';
import { vaeDecode, vaeEncode } from '../models/vae';
import { concatBatch } from './batch-tensors';
import type { VaeModel } from './diffusion-types';
import { imageToVaeInput, vaeOutputToImage } from './image-layout';
import { withModelSession } from './model-graphs';
import { tiledScale } from './tiled-scale';

/** SD1.x VAE: 8 pixels per latent pixel, 4 latent channels. */
const FACTOR = 8;
const LATENT_CHANNELS = 4;

/** The three tilings ComfyUI averages, as (tileX, tileY) from the square tile size. */
const tilings = (tx: number, ty: number): [number, number][] => [
  [Math.floor(tx / 2), ty * 2],
  [tx * 2, Math.floor(ty / 2)],
  [tx, ty],
];

/** Mean of same-shaped tensors. */
function average(parts: readonly Tensor<'float32'>[]): Tensor<'float32'> {
  const out = parts[0]!.clone();
  for (let i = 0; i < out.size; i++) out.data[i] = parts.reduce((s, p) => s + p.data[i]!, 0) / parts.length;
  return out;
}

/** Options of the tiled codecs: sizes in pixels. */
export interface TileOptions {
  readonly tileSize: number;
  readonly overlap: number;
  readonly signal?: AbortSignal;
}

/**
 * LATENT samples decoded tile by tile: [B, 3, 8h, 8w] in about [-1, 1].
 * @example
 * const decoded = await decodeLatentTiled(env, vae, samples, { tileSize: 512, overlap: 64 });
 */
export function decodeLatentTiled(
  env: NodeEnv,
  vae: VaeModel,
  samples: Tensor<'float32'>,
  o: TileOptions,
): Promise<Tensor<'float32'>> {
  const tile = Math.floor(o.tileSize / FACTOR);
  const overlap = Math.floor(o.overlap / FACTOR);
  return withModelSession(env, { kind: 'vae-decoder', handle: vae }, async (session) => {
    const passes: Tensor<'float32'>[] = [];
    for (const [tileX, tileY] of tilings(tile, tile)) {
      passes.push(
        await tiledScale(samples, (t) => vaeDecode(session, t), {
          tileX,
          tileY,
          overlap,
          scale: FACTOR,
          outChannels: 3,
          ...(o.signal ? { signal: o.signal } : {}),
        }),
      );
    }
    return average(passes);
  });
}

/**
 * An IMAGE batch encoded tile by tile into LATENT samples (posterior means), cropped to multiples of 8
 * as VAEEncode does.
 * @example
 * const samples = await encodeImageTiled(env, vae, image, "VAEEncodeTiled input 'pixels'", { tileSize: 512, overlap: 64 });
 */
export function encodeImageTiled(
  env: NodeEnv,
  vae: VaeModel,
  image: Tensor<'float32'>,
  label: string,
  o: TileOptions,
): Promise<Tensor<'float32'>> {
  const inputs = Array.from({ length: image.shape[0] ?? 0 }, (_, b) => imageToVaeInput(image, b, label));
  return withModelSession(env, { kind: 'vae-encoder', handle: vae }, async (session) => {
    const pixels = concatBatch(inputs);
    const passes: Tensor<'float32'>[] = [];
    // ComfyUI's encode order: square, wide, tall (the average does not depend on it).
    for (const [tileX, tileY] of tilings(o.tileSize, o.tileSize).reverse()) {
      passes.push(
        await tiledScale(pixels, async (t) => (await vaeEncode(session, t)).mean, {
          tileX,
          tileY,
          overlap: o.overlap,
          scale: 1 / FACTOR,
          outChannels: LATENT_CHANNELS,
          ...(o.signal ? { signal: o.signal } : {}),
        }),
      );
    }
    return average(passes);
  });
}

/** The tiling widgets both nodes share; ComfyUI steps the tile size by 32 for decoding, 64 for encoding. */
const tilingInputs = (tileStep: number) => ({
  tile_size: Input.int({ default: 512, min: 64, max: 4096, step: tileStep, tooltip: 'Tile size in pixels.' }),
  overlap: Input.int({
    default: 64,
    min: 0,
    max: 4096,
    step: 32,
    tooltip: 'Overlap of neighbouring tiles in pixels.',
  }),
  temporal_size: Input.int({
    default: 64,
    min: 8,
    max: 4096,
    step: 4,
    tooltip: 'Only used for video VAEs: frames per tile (ignored for SD1.x).',
  }),
  temporal_overlap: Input.int({
    default: 8,
    min: 4,
    max: 4096,
    step: 4,
    tooltip: 'Only used for video VAEs: frames of overlap (ignored for SD1.x).',
  }),
});

/** ComfyUI's VAEDecodeTiled. */
export const VAEDecodeTiled = defineNode({
  type: 'VAEDecodeTiled',
  displayName: 'VAE Decode (Tiled)',
  category: '_for_testing',
  description: 'Decodes latents tile by tile, for images too large to decode at once.',
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'The latent to decode.' }),
    vae: Input.link('VAE', { tooltip: 'The VAE that decodes it.' }),
    ...tilingInputs(32),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The decoded images.' }],
  run: async (ctx, { samples, vae, tile_size, overlap }) => {
    // ComfyUI: an overlap over a quarter of the tile is cut to a quarter.
    const cut = tile_size < overlap * 4 ? Math.floor(tile_size / 4) : overlap;
    const decoded = await decodeLatentTiled(ctx.env, vae, samples.samples, {
      tileSize: tile_size,
      overlap: cut,
      signal: ctx.signal,
    });
    return [vaeOutputToImage(decoded)];
  },
});

const ENCODE_LABEL = "VAEEncodeTiled input 'pixels'";

/** ComfyUI's VAEEncodeTiled. */
export const VAEEncodeTiled = defineNode({
  type: 'VAEEncodeTiled',
  displayName: 'VAE Encode (Tiled)',
  category: '_for_testing',
  description: 'Encodes images tile by tile, for images too large to encode at once.',
  inputs: {
    pixels: Input.link('IMAGE', { tooltip: 'The images to encode.' }),
    vae: Input.link('VAE', { tooltip: 'The VAE that encodes them.' }),
    ...tilingInputs(64),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The encoded latents.' }],
  run: async (ctx, { pixels, vae, tile_size, overlap }) => [
    {
      samples: await encodeImageTiled(ctx.env, vae, requireImage(pixels, ENCODE_LABEL), ENCODE_LABEL, {
        tileSize: tile_size,
        overlap,
        signal: ctx.signal,
      }),
    },
  ],
});
