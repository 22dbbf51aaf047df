import { Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SD15_FILE } from '../models/tiny';
import type { UnetModel } from '../models/unet';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import { DIFFUSION_SESSIONS } from './diffusion-resources';
import type { ClipModel, Conditioning, Latent, VaeModel } from './diffusion-types';
import { emptyLatent } from './empty-latent-image';
import { encodePrompt } from './encode-prompt';
import { KSampler } from './ksampler';
import { type ProgressCall, recordingContext, type TinyWorkspace, tinyWorkspace, wave } from './test-support';
import { encodeImage } from './vae-codec';

let ws: TinyWorkspace;
let model: UnetModel;
let vae: VaeModel;
let positive: Conditioning;
let negative: Conditioning;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  let clip: ClipModel;
  [model, clip, vae] = out;
  positive = (await encodePrompt(ws.env, clip, 'a lighthouse at dusk')).conditioning;
  negative = (await encodePrompt(ws.env, clip, 'blurry')).conditioning;
});
afterAll(() => ws.dispose());

type Inputs = Parameters<typeof KSampler.run>[1];

function inputs(over: Partial<Inputs> = {}): Inputs {
  return {
    model,
    seed: 42,
    steps: 3,
    cfg: 7,
    sampler_name: 'euler',
    scheduler: 'normal',
    positive,
    negative,
    latent_image: emptyLatent({ width: 64, height: 48, batch: 1 }),
    denoise: 1,
    ...over,
  };
}

async function sampleWith(
  over: Partial<Inputs> = {},
  o: { signal?: AbortSignal; onProgress?: (call: ProgressCall) => void } = {},
): Promise<{ latent: Latent; progress: ProgressCall[] }> {
  const { ctx, progress } = recordingContext(ws.env, o);
  const out = await KSampler.run(ctx, inputs(over));
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return { latent: out[0], progress };
}

describe('KSampler', () => {
  it('gives the same latent for the same seed and another for another seed', async () => {
    const a = await sampleWith();
    const b = await sampleWith();
    const c = await sampleWith({ seed: 43 });
    expect(a.latent.samples.shape).toEqual([1, 4, 6, 8]);
    expect(Array.from(b.latent.samples.data)).toEqual(Array.from(a.latent.samples.data));
    expect(Array.from(c.latent.samples.data)).not.toEqual(Array.from(a.latent.samples.data));
  });

  it('reports each step with a JPEG latent preview', async () => {
    const { progress } = await sampleWith({ steps: 4 });
    expect(progress.map((p) => [p.value, p.max])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    for (const { preview } of progress) {
      expect(preview?.format).toBe('JPEG');
      expect(Array.from(preview!.bytes.slice(0, 2))).toEqual([0xff, 0xd8]);
    }
  });

  it.each(['euler_ancestral', 'dpmpp_2m', 'ddim', 'ddim_diffusers'] as const)(
    'runs %s on a batch of two',
    async (sampler_name) => {
      const { latent } = await sampleWith({
        sampler_name,
        scheduler: 'karras',
        latent_image: emptyLatent({ width: 64, height: 64, batch: 2 }),
      });
      expect(latent.samples.shape).toEqual([2, 4, 8, 8]);
      expect(latent.samples.data.every(Number.isFinite)).toBe(true);
      const per = latent.samples.size / 2;
      expect(Array.from(latent.samples.data.slice(0, per))).not.toEqual(
        Array.from(latent.samples.data.slice(per)),
      );
    },
  );

  it('says what it is doing: preparing the UNet graph and its session when it must, then sampling', async () => {
    const sessions = ws.env.resource(DIFFUSION_SESSIONS);
    const phases = async (latent_image: Latent) => {
      const { ctx, statuses } = recordingContext(ws.env);
      await KSampler.run(ctx, inputs({ steps: 1, latent_image }));
      return statuses.map((s) => s.phase);
    };
    const latent = emptyLatent({ width: 64, height: 48, batch: 1 });
    for (const key of sessions.keys()) await sessions.unload(key);
    const first = await phases(latent);
    // The graph was compiled by an earlier test of this file, unless this one runs alone.
    expect(first.filter((p) => p !== 'build')).toEqual(['session', 'compute']);
    expect(await phases(latent)).toEqual(['compute']);
  });

  it('stops between steps when interrupted and reports nothing afterwards', async () => {
    const controller = new AbortController();
    const { ctx, progress } = recordingContext(ws.env, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const steps = 12;
    await expect(KSampler.run(ctx, inputs({ steps }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(progress.map((p) => p.value)).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(progress).toHaveLength(1);
  });

  it('keeps an encoded image partly with denoise < 1 and returns it unchanged at denoise 0', async () => {
    const samples = await encodeImage(ws.env, vae, Tensor.filled([1, 64, 64, 3], 0.5), 'test');
    const image = { samples };
    const kept = await sampleWith({ latent_image: image, denoise: 0 });
    expect(kept.latent.samples).toBe(samples);
    const light = await sampleWith({ latent_image: image, denoise: 0.3, steps: 2 });
    const heavy = await sampleWith({ latent_image: image, denoise: 1, steps: 2 });
    const distance = (t: Tensor<'float32'>) => t.data.reduce((s, v, i) => s + (v - samples.data[i]!) ** 2, 0);
    expect(distance(light.latent.samples)).toBeLessThan(distance(heavy.latent.samples));
  });

  it('names the input whose conditioning does not fit the model', async () => {
    const wrong: Conditioning = [{ context: wave([1, 77, 16]) }];
    await expect(sampleWith({ negative: wrong })).rejects.toThrow(
      /^KSampler input 'negative': entry 0 has width 16/,
    );
  });
});
