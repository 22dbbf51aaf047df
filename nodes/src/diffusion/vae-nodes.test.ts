import { EngineError, Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SD15_FILE } from '../models/tiny';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import type { VaeModel } from './diffusion-types';
import { recordingContext, type TinyWorkspace, tinyWorkspace, wave } from './test-support';
import { VAEDecode, VAEEncode } from './vae-nodes';

let ws: TinyWorkspace;
let vae: VaeModel;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  vae = out[2];
});
afterAll(() => ws.dispose());

async function decode(samples: Tensor<'float32'>): Promise<Tensor<'float32'>> {
  const out = await VAEDecode.run(recordingContext(ws.env).ctx, { samples: { samples }, vae });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out[0];
}

describe('VAEDecode', () => {
  it('decodes each latent of a batch, as alone, to an IMAGE eight times its size, in [0, 1]', async () => {
    const image = await decode(wave([2, 4, 4, 6]));
    expect(image.shape).toEqual([2, 32, 48, 3]);
    expect(image.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const alone = await decode(new Tensor('float32', [1, 4, 4, 6], wave([2, 4, 4, 6]).data.slice(0, 96)));
    expect(Array.from(alone.data)).toEqual(Array.from(image.data.slice(0, alone.size)));
  });
});

describe('VAEEncode', () => {
  it('encodes an IMAGE batch, cropped to multiples of 8, into latents', async () => {
    const out = await VAEEncode.run(recordingContext(ws.env).ctx, {
      pixels: Tensor.filled([2, 70, 66, 3], 0.25),
      vae,
    });
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    expect(out[0].samples.shape).toEqual([2, 4, 8, 8]);
  });

  it('names the input when it is not an IMAGE', async () => {
    const run = VAEEncode.run(recordingContext(ws.env).ctx, {
      pixels: Tensor.filled([70, 66, 3], 0.25),
      vae,
    });
    await expect(run).rejects.toBeInstanceOf(EngineError);
    await expect(run).rejects.toThrow(/^VAEEncode input 'pixels': expected an IMAGE/);
  });
});
