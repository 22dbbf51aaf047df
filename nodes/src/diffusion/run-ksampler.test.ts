import { Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SD15_FILE } from '../models/tiny';
import type { UnetModel } from '../models/unet';
import { torchRandn } from '../samplers';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import type { ClipModel, Conditioning, Latent } from './diffusion-types';
import { encodePrompt } from './encode-prompt';
import { KSampler } from './ksampler';
import { KSamplerAdvanced } from './ksampler-advanced';
import { prepareNoise } from './prepare-noise';
import { recordingContext, type TinyWorkspace, tinyWorkspace, wave } from './test-support';

let ws: TinyWorkspace;
let model: UnetModel;
let positive: Conditioning;
let negative: Conditioning;
const latent: Latent = { samples: wave([1, 4, 6, 8], 0.4) };

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  const clip: ClipModel = out[1];
  model = out[0];
  positive = (await encodePrompt(ws.env, clip, 'a red door')).conditioning;
  negative = (await encodePrompt(ws.env, clip, '')).conditioning;
});
afterAll(() => ws.dispose());

type KInputs = Parameters<typeof KSampler.run>[1];
type AInputs = Parameters<typeof KSamplerAdvanced.run>[1];

async function kSampler(over: Partial<KInputs>): Promise<Latent> {
  const inputs: KInputs = {
    model,
    seed: 5,
    steps: 4,
    cfg: 5,
    sampler_name: 'euler',
    scheduler: 'karras',
    positive,
    negative,
    latent_image: latent,
    denoise: 1,
    ...over,
  };
  const out = await KSampler.run(recordingContext(ws.env).ctx, inputs);
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out[0];
}

async function advanced(over: Partial<AInputs>): Promise<Latent> {
  const inputs: AInputs = {
    model,
    add_noise: 'enable',
    noise_seed: 5,
    steps: 4,
    cfg: 5,
    sampler_name: 'euler',
    scheduler: 'karras',
    positive,
    negative,
    latent_image: latent,
    start_at_step: 0,
    end_at_step: 10000,
    return_with_leftover_noise: 'disable',
    ...over,
  };
  const out = await KSamplerAdvanced.run(recordingContext(ws.env).ctx, inputs);
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out[0];
}

const maxDiff = (a: Tensor, b: Tensor) =>
  a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);

describe('noise masks (KSamplerX0Inpaint)', () => {
  it('keeps the latent where the mask is 0 and samples where it is 1', async () => {
    // Left half 0 (keep), right half 1 (sample), at a different resolution than the latent.
    const mask = Tensor.zeros('float32', [1, 1, 12, 16]);
    for (let y = 0; y < 12; y++) mask.data.fill(1, y * 16 + 8, y * 16 + 16);
    const free = await kSampler({});
    const masked = await kSampler({ latent_image: { ...latent, noiseMask: mask } });
    for (let c = 0; c < 4; c++) {
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 8; x++) {
          const i = (c * 6 + y) * 8 + x;
          // Euler's last step lands exactly on the pinned x0 estimate, i.e. the latent, where mask = 0.
          if (x < 3) expect(Math.abs(masked.samples.data[i]! - latent.samples.data[i]!)).toBeLessThan(1e-4);
        }
      }
    }
    expect(maxDiff(masked.samples, latent.samples)).toBeGreaterThan(0.1);
    const allOnes = await kSampler({
      latent_image: { ...latent, noiseMask: Tensor.filled([1, 1, 6, 8], 1) },
    });
    expect(maxDiff(allOnes.samples, free.samples)).toBeLessThan(1e-5);
    expect(masked.noiseMask).toBe(mask);
  });
});

describe('KSamplerAdvanced', () => {
  it('equals KSampler over the whole schedule, and two windows chain into the same run', async () => {
    const whole = await advanced({});
    expect(maxDiff(whole.samples, (await kSampler({})).samples)).toBeLessThan(1e-5);
    const first = await advanced({ end_at_step: 2, return_with_leftover_noise: 'enable' });
    const second = await advanced({ latent_image: first, add_noise: 'disable', start_at_step: 2 });
    expect(maxDiff(second.samples, whole.samples)).toBeLessThan(1e-4);
  });

  it('returns the latent unchanged when the window starts at or past the last step', async () => {
    const out = await advanced({ start_at_step: 4 });
    expect(out.samples).toBe(latent.samples);
  });
});

describe(prepareNoise.name, () => {
  it("gives each batch_index entry the noise it had in the full batch (ComfyUI's prepare_noise)", () => {
    const full = torchRandn({ seed: 9, shape: [4, 4, 2, 2] });
    const picked = prepareNoise({ seed: 9, shape: [2, 4, 2, 2], batchIndex: [3, 1] });
    const per = 16;
    expect(Array.from(picked.data.slice(0, per))).toEqual(Array.from(full.data.slice(3 * per, 4 * per)));
    expect(Array.from(picked.data.slice(per))).toEqual(Array.from(full.data.slice(per, 2 * per)));
  });
});

describe('area conditioning through KSampler', () => {
  it('runs the regional path and changes the result only through the area entry', async () => {
    const plain = await kSampler({});
    const withArea = await kSampler({
      positive: [...positive, { ...negative[0]!, area: { height: 4, width: 4, y: 0, x: 0 }, strength: 1 }],
    });
    expect(withArea.samples.data.every(Number.isFinite)).toBe(true);
    expect(maxDiff(withArea.samples, plain.samples)).toBeGreaterThan(1e-3);
    const zeroStrength = await kSampler({
      positive: [...positive, { ...negative[0]!, area: { height: 4, width: 4, y: 0, x: 0 }, strength: 0 }],
    });
    // A zero-strength area adds nothing to the positive side; the negative side gets a zero-weight pair too.
    expect(maxDiff(zeroStrength.samples, plain.samples)).toBeLessThan(1e-3);
  });
});
