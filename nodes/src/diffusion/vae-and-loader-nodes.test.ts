import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SD15_FILE } from '../models/tiny';
import type { UnetModel } from '../models/unet';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import type { ClipModel, Latent, VaeModel } from './diffusion-types';
import { encodePrompt } from './encode-prompt';
import { loadCheckpoint } from './load-checkpoint';
import { CheckpointLoader, CLIPSetLastLayer, VAELoader } from './loader-nodes';
import { recordingContext, type TinyWorkspace, tinyWorkspace, wave } from './test-support';
import { tiledScale } from './tiled-scale';
import { decodeLatent, encodeImage } from './vae-codec';
import { inpaintMasks, VAEEncodeForInpaint } from './vae-encode-for-inpaint';
import { VAEDecodeTiled, VAEEncodeTiled } from './vae-tiled-nodes';

let ws: TinyWorkspace;
let model: UnetModel;
let clip: ClipModel;
let vae: VaeModel;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  [model, clip, vae] = out;
});
afterAll(() => ws.dispose());

const ctx = () => recordingContext(ws.env).ctx;
async function outputs(p: unknown): Promise<unknown[]> {
  const r = await p;
  if (!Array.isArray(r)) throw new Error('expected plain outputs');
  return r;
}
const stats = (a: Tensor, b: Tensor) => {
  let max = 0;
  let sum = 0;
  a.data.forEach((v, i) => {
    const d = Math.abs(v - b.data[i]!);
    max = Math.max(max, d);
    sum += d;
  });
  return { max, mean: sum / a.size };
};

describe(tiledScale.name, () => {
  /** A pointwise x8 upscale (each pixel becomes an 8 x 8 block of f(value, channel)): tiling cannot change it. */
  const blocks = async (t: Tensor<'float32'>) => {
    const [n = 0, c = 0, h = 0, w = 0] = t.shape;
    const out = Tensor.zeros('float32', [n, 3, h * 8, w * 8]);
    for (let o = 0; o < 3; o++)
      for (let y = 0; y < h * 8; y++)
        for (let x = 0; x < w * 8; x++) {
          const v = t.data[((0 * c + (o % c)) * h + (y >> 3)) * w + (x >> 3)]!;
          out.data[(o * h * 8 + y) * w * 8 + x] = Math.tanh(v) + o;
        }
    return out;
  };

  it.each([
    [8, 8, 2],
    [5, 11, 3],
    [16, 4, 0],
  ])(
    'reproduces an untiled pointwise map exactly with %d x %d tiles overlapping %d',
    async (tileX, tileY, overlap) => {
      const input = wave([2, 4, 13, 17], 0.3);
      const whole = await blocks(input.reshape([2, 4, 13, 17]).clone()).then((t) => t);
      const expected = Tensor.zeros('float32', [2, 3, 104, 136]);
      for (let b = 0; b < 2; b++) {
        const one = new Tensor('float32', [1, 4, 13, 17], input.data.slice(b * 884, (b + 1) * 884));
        expected.data.set((await blocks(one)).data, b * 3 * 104 * 136);
      }
      expect(whole.shape).toEqual([2, 3, 104, 136]);
      const tiled = await tiledScale(input, blocks, { tileX, tileY, overlap, scale: 8, outChannels: 3 });
      expect(stats(tiled, expected).max).toBeLessThan(1e-5);
    },
  );
});

describe('VAEDecodeTiled / VAEEncodeTiled', () => {
  it('matches the untiled VAE within the seams its per-tile GroupNorm statistics leave', async () => {
    const samples = wave([1, 4, 24, 32], 1.1);
    const [tiledImage] = (await outputs(
      VAEDecodeTiled.run(ctx(), {
        samples: { samples },
        vae,
        tile_size: 256,
        overlap: 64,
        temporal_size: 64,
        temporal_overlap: 8,
      }),
    )) as [Tensor<'float32'>];
    const whole = await decodeLatent(ws.env, vae, samples);
    const reference = whole.clone();
    reference.data.forEach((v, i) => {
      reference.data[i] = Math.min(1, Math.max(0, (v + 1) / 2));
    });
    // NCHW reference vs NHWC node output.
    const [, , H = 0, W = 0] = whole.shape;
    const nhwc = Tensor.zeros('float32', [1, H, W, 3]);
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < H * W; p++) nhwc.data[p * 3 + c] = reference.data[c * H * W + p]!;
    const d = stats(tiledImage, nhwc);
    console.log(
      `VAEDecodeTiled vs VAEDecode (tiny VAE, 256x192, 256px tiles, 64px overlap): max ${d.max.toFixed(4)}, mean ${d.mean.toFixed(4)}`,
    );
    // Exact where one tile covers the image.
    const [single] = (await outputs(
      VAEDecodeTiled.run(ctx(), {
        samples: { samples },
        vae,
        tile_size: 512,
        overlap: 64,
        temporal_size: 64,
        temporal_overlap: 8,
      }),
    )) as [Tensor<'float32'>];
    expect(stats(single, nhwc).max).toBeLessThan(1e-5);
    // The SD VAE's GroupNorm normalises over what it sees: each tile brings its own statistics (as in
    // ComfyUI), so tiles differ from the whole image, most at the seams. Bound: the mean difference
    // stays a small part of how far decodes of two different latents are apart.
    const apart = stats(await decodeLatent(ws.env, vae, wave([1, 4, 24, 32], 2.3)), whole);
    console.log(`  two different latents decode ${apart.mean.toFixed(4)} apart on average (in [-1, 1])`);
    expect(d.mean).toBeLessThan(0.25 * (apart.mean / 2));

    const image = Tensor.zeros('float32', [1, 192, 256, 3]);
    image.data.forEach((_, i) => {
      image.data[i] = 0.5 + 0.4 * Math.sin(i * 0.013);
    });
    const [tiledLatent] = (await outputs(
      VAEEncodeTiled.run(ctx(), {
        pixels: image,
        vae,
        tile_size: 256,
        overlap: 64,
        temporal_size: 64,
        temporal_overlap: 8,
      }),
    )) as [Latent];
    const plain = await encodeImage(ws.env, vae, image, 'test');
    const e = stats(tiledLatent.samples, plain);
    console.log(
      `VAEEncodeTiled vs VAEEncode (tiny VAE, 256x192, 256px tiles, 64px overlap): max ${e.max.toFixed(4)}, mean ${e.mean.toFixed(4)}`,
    );
    expect(tiledLatent.samples.shape).toEqual(plain.shape);
    const otherImage = image.clone();
    otherImage.data.forEach((_, i) => {
      otherImage.data[i] = 0.5 + 0.4 * Math.cos(i * 0.029);
    });
    const apartLatent = stats(await encodeImage(ws.env, vae, otherImage, 'test'), plain);
    console.log(`  two different images encode ${apartLatent.mean.toFixed(4)} apart on average`);
    expect(e.mean).toBeLessThan(0.25 * apartLatent.mean);
  });
});

describe('VAEEncodeForInpaint', () => {
  it('grows the rounded mask by a grow x grow box and blanks the masked pixels to grey', async () => {
    const mask = Tensor.zeros('float32', [1, 16, 16]);
    mask.data[5 * 16 + 6] = 1;
    const m = inpaintMasks(mask, { height: 16, width: 16, grow: 3 });
    // padding ceil(2 / 2) = 1: rows 4..6 and columns 5..7 become 1.
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++)
        expect(m.grown.data[y * 16 + x]).toBe(y >= 4 && y <= 6 && x >= 5 && x <= 7 ? 1 : 0);
    const pixels = Tensor.filled([1, 16, 16, 3], 0.9);
    const [latent] = (await outputs(
      VAEEncodeForInpaint.run(ctx(), { pixels, vae, mask, grow_mask_by: 3 }),
    )) as [Latent];
    expect(latent.noiseMask!.shape).toEqual([1, 1, 16, 16]);
    const grey = pixels.clone();
    grey.data.fill(0.5, (5 * 16 + 6) * 3, (5 * 16 + 7) * 3);
    const expected = await encodeImage(ws.env, vae, grey, 'test');
    expect(stats(latent.samples, expected).max).toBeLessThan(1e-6);
  });
});

describe('loaders', () => {
  it('VAELoader loads a diffusers vae folder from models/vae and decodes like its checkpoint', async () => {
    const dir = join(ws.env.dirs.models, 'vae');
    await mkdir(join(dir, 'tiny-vae'), { recursive: true });
    for (const file of ['config.json', 'diffusion_pytorch_model.safetensors']) {
      await symlink(fixturePath('tiny-sd', 'vae', file), join(dir, 'tiny-vae', file));
    }
    const schema = await VAELoader.inputs.vae_name.options;
    expect(typeof schema === 'function' ? await schema({ env: ws.env }) : schema).toEqual(['tiny-vae']);
    const [loaded] = (await outputs(VAELoader.run(ctx(), { vae_name: 'tiny-vae' }))) as [VaeModel];
    const reference = await loadCheckpoint(ws.env, fixturePath('tiny-sd'));
    const z = wave([1, 4, 8, 8]);
    expect(
      stats(await decodeLatent(ws.env, loaded, z), await decodeLatent(ws.env, reference.vae, z)).max,
    ).toBe(0);
    await expect(VAELoader.run(ctx(), { vae_name: '../x' })).rejects.toThrow(/VAELoader input 'vae_name'/);
  });

  it('CheckpointLoader reads the config from models/configs instead of the yaml beside the file', async () => {
    const yaml = await readFile(
      join(ws.env.dirs.models, 'checkpoints', TINY_SD15_FILE.replace('.safetensors', '.yaml')),
      'utf8',
    );
    await mkdir(join(ws.env.dirs.models, 'configs'), { recursive: true });
    await writeFile(join(ws.env.dirs.models, 'configs', 'same.yaml'), yaml);
    await writeFile(
      join(ws.env.dirs.models, 'configs', 'heads.yaml'),
      yaml.replace(/num_heads: \d+/, 'num_heads: 1'),
    );
    const [same] = (await outputs(
      CheckpointLoader.run(ctx(), { config_name: 'same.yaml', ckpt_name: TINY_SD15_FILE }),
    )) as [UnetModel];
    expect(same.config).toEqual(model.config);
    const [other] = (await outputs(
      CheckpointLoader.run(ctx(), { config_name: 'heads.yaml', ckpt_name: TINY_SD15_FILE }),
    )) as [UnetModel];
    expect(other.config).not.toEqual(model.config);
  });

  it('CLIPSetLastLayer picks an earlier hidden state, and the last one past the depth', async () => {
    const [skip] = (await outputs(CLIPSetLastLayer.run(ctx(), { clip, stop_at_clip_layer: -2 }))) as [
      ClipModel,
    ];
    const [deep] = (await outputs(CLIPSetLastLayer.run(ctx(), { clip, stop_at_clip_layer: -24 }))) as [
      ClipModel,
    ];
    expect(skip.layer).toBe(-2);
    expect(deep.layer).toBe(-1);
    const a = (await encodePrompt(ws.env, clip, 'a cat')).conditioning[0]!.context;
    const b = (await encodePrompt(ws.env, skip, 'a cat')).conditioning[0]!.context;
    expect(stats(a, b).max).toBeGreaterThan(1e-3);
  });
});
