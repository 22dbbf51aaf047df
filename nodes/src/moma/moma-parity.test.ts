/**
 * Acceptance: MoMA's UNet side against every `moma.*` group of the shared fixtures (made with MoMA's
 * official attention processors): the reference latent, each self-attention layer's captured K/V,
 * and a guided diffusers-DDIM run's trajectory, generated-subject masks, final latent and decode.
 * Shapes, timesteps, processor order, subject positions and the injection cut-off come from the
 * fixture files and vectors.json. Tolerances: the fixtures README's 1e-4 relative for single passes,
 * 1e-3 for the multi-step run and what derives from it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeEnv, type NodeEnv, type SafetensorsReader, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { fixturePath, openVectors } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decoupledWeights, wordTokenIds } from '../attention';
import {
  type Conditioning,
  clipTokenizer,
  DIFFUSION_SESSIONS,
  decodeLatent,
  encodeImage,
  encodePrompt,
  type LoadedCheckpoint,
  loadCheckpoint,
  SAMPLER_PLANS,
  SD15_LATENT_SCALE,
  sampleLatentWithMasks,
  UNET_GRAPHS,
  withModelSession,
} from '../diffusion';
import { encodeText } from '../models/clip-text';
import { readMomaAdapterSection } from '../models/moma-adapter';
import { type UnetModel, UnetSession, withPatch } from '../models/unet';
import { parityError } from '../models/unet/test-fixtures';
import { MOMA_PATCH_IDS, MOMA_SETTINGS, momaPatches } from './moma-patches';

const SINGLE = 1e-4;
const MULTI = 1e-3;

let vectors: SafetensorsReader;
let json: Record<string, unknown>;
let temp: string;
let env: NodeEnv;
let checkpoint: LoadedCheckpoint;
let model: UnetModel;
let positive: Conditioning;
let negative: Conditioning;

const f32 = (name: string) => vectors.readFloat32(name);

/** max |a - b| within `relative * max(1, max |b|)`, naming what is compared. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number, what: string) {
  const { maxAbs, bound } = parityError(actual, expected, relative);
  expect(maxAbs, what).toBeLessThanOrEqual(bound);
}

/** Rows [from, to) of the token axis of a [B, T, D] tensor, batch row `row`, as [1, to - from, D]. */
function tokens(t: Tensor<'float32'>, row: number, from: number, to: number): Tensor<'float32'> {
  const [, count = 0, dim = 0] = t.shape;
  const start = (row * count + from) * dim;
  return new Tensor('float32', [1, to - from, dim], t.data.slice(start, start + (to - from) * dim));
}

/** An IMAGE (NHWC in [0, 1]) from a [1, 3, H, W] tensor in [-1, 1]. */
function toImage(t: Tensor<'float32'>): Tensor<'float32'> {
  const [, c = 0, h = 0, w = 0] = t.shape;
  const out = Tensor.zeros('float32', [1, h, w, c]);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h * w; p++) out.data[p * c + ch] = (t.data[ch * h * w + p]! + 1) / 2;
  }
  return out;
}

/** Ids of an int64 [1, T] tensor. */
async function ids(name: string): Promise<Int32Array> {
  const t = await vectors.read(name);
  return Int32Array.from(t.data as BigInt64Array, Number);
}

/** The subject word: the fixture's subject ids without BOS / EOS / padding, decoded. */
async function subjectWord(): Promise<string> {
  const tokenizer = await clipTokenizer(env, checkpoint.clip);
  const all = Array.from(await ids('moma.subject_input_ids'));
  const words = all.slice(1, all.indexOf(tokenizer.eosId));
  return tokenizer.decode(words).trim();
}

/** MoMA's patches on the fixture's inputs. */
async function patched(): Promise<{ model: UnetModel; referenceSample: Tensor<'float32'> }> {
  const adapter = fixturePath('tiny-moma', 'attn_adapters_projectors.th');
  const weights = decoupledWeights(
    await readMomaAdapterSection({ path: adapter }, 'self_cross_attentions'),
    adapter,
  );
  const referenceLatent = await encodeImage(
    env,
    checkpoint.vae,
    toImage(await f32('moma.ref_image')),
    'test',
  );
  const subject = await encodePrompt(env, checkpoint.clip, await subjectWord());
  const [, , mh = 0, mw = 0] = (await f32('moma.mask_ref')).shape;
  const { patches } = momaPatches({
    points: model.hookPoints,
    weights,
    source: adapter,
    imagePrompt: { cond: await f32('moma.ip_tokens_cond'), uncond: await f32('moma.ip_tokens_uncond') },
    referenceLatent,
    referenceNoise: await f32('moma.ref_noise'),
    subjectContext: subject.conditioning[0]!.context,
    referenceMask: new Tensor('float32', [1, mh, mw], (await f32('moma.mask_ref')).data),
    subjectTokenIds: wordTokenIds(await clipTokenizer(env, checkpoint.clip), await subjectWord()),
    strength: (await f32('moma.strength')).data[0]!,
    latentScale: SD15_LATENT_SCALE,
    selfOffAt: Number(json['moma.self_injection_off_at_or_above_t']),
  });
  const referenceSample = patches.find((p) => p.id === MOMA_PATCH_IDS.reference)!.referencePass!.sample;
  return { model: patches.reduce(withPatch, checkpoint.model), referenceSample };
}

beforeAll(async () => {
  vectors = await openVectors();
  json = JSON.parse(await readFile(fixturePath('vectors.json'), 'utf8'));
  temp = await mkdtemp(join(tmpdir(), 'momaflow-moma-parity-'));
  env = createNodeEnv({
    dirs: { input: temp, output: temp, temp, models: temp },
    log: SILENT_LOGGER,
  });
  checkpoint = await loadCheckpoint(env, fixturePath('tiny-sd'));
  model = checkpoint.model;
  // The fixture's context: [uncond; cond] x [text tokens + image-prompt tokens].
  const context = await f32('moma.context');
  const text = (context.shape[1] ?? 0) - ((await f32('moma.ip_tokens_cond')).shape[1] ?? 0);
  positive = [{ context: tokens(context, 1, 0, text), tokenIds: await ids('moma.prompt_input_ids') }];
  negative = [{ context: tokens(context, 0, 0, text) }];
});

afterAll(async () => {
  await vectors?.close();
  await env?.dispose();
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe('MoMA parity (vectors.safetensors moma.*)', () => {
  it('reads the prompt and subject as the fixtures encoded them', async () => {
    const context = await f32('moma.context');
    const encoded = await withModelSession(env, { kind: 'clip-text', handle: checkpoint.clip }, (s) =>
      encodeText(s, [positive[0]!.tokenIds!], { layer: checkpoint.clip.layer }),
    );
    expectClose(encoded.data, positive[0]!.context.data, SINGLE, 'moma.context text part');
    const ip = await f32('moma.ip_tokens_cond');
    const text = positive[0]!.context.shape[1] ?? 0;
    expectClose(tokens(context, 1, text, context.shape[1] ?? 0).data, ip.data, 0, 'moma.context image part');
    const subject = await encodePrompt(env, checkpoint.clip, await subjectWord());
    expect(Array.from(subject.tokens.ids)).toEqual(Array.from(await ids('moma.subject_input_ids')));
    expectClose(
      subject.conditioning[0]!.context.data,
      (await f32('moma.subject_context')).data,
      SINGLE,
      'subject',
    );
    const subjectIds = new Set(wordTokenIds(await clipTokenizer(env, checkpoint.clip), await subjectWord()));
    const found = Array.from(positive[0]!.tokenIds!.keys()).filter((i) =>
      subjectIds.has(positive[0]!.tokenIds![i]!),
    );
    expect([found]).toEqual(json['moma.subject_idxs']);
  });

  it('noises the reference latent as moma.ref_latent_t0', async () => {
    const { referenceSample } = await patched();
    expectClose(referenceSample.data, (await f32('moma.ref_latent_t0')).data, SINGLE, 'moma.ref_latent_t0');
  });

  it('captures every self-attention layer as moma.ref_k.i / moma.ref_v.i', async () => {
    const names = json['moma.attn_processor_names'] as string[];
    expect(model.hookPoints.map((p) => `${p.id}.processor`)).toEqual(names);
    const { model: momaModel } = await patched();
    const unet = await UnetSession.open({
      model: momaModel,
      graphs: env.resource(UNET_GRAPHS),
      sessions: env.resource(DIFFUSION_SESSIONS),
    });
    try {
      const captured = await unet.runReference(MOMA_PATCH_IDS.reference);
      const selfPoints = momaModel.hookPoints.filter((p) => p.kind === 'self');
      expect(selfPoints.length).toBe(vectors.keys().filter((k) => k.startsWith('moma.ref_k.')).length);
      for (const [i, point] of selfPoints.entries()) {
        for (const name of ['k', 'v'] as const) {
          const ref = await f32(`moma.ref_${name}.${i}`);
          const [heads = 0, n = 0, d = 0] = ref.shape;
          expect(heads).toBe(point.heads);
          const ours = captured[`${point.id}/${name}`]!;
          expect(ours.shape).toEqual([1, n, heads * d]);
          // diffusers' head_to_batch_dim: [B, N, H * d] -> [B * H, N, d].
          const asHeads = new Float32Array(ours.size);
          for (let h = 0; h < heads; h++) {
            for (let t = 0; t < n; t++) {
              for (let e = 0; e < d; e++)
                asHeads[(h * n + t) * d + e] = Number(ours.data[t * heads * d + h * d + e]);
            }
          }
          expectClose(asHeads, ref.data, SINGLE, `moma.ref_${name}.${i} (${point.id})`);
        }
      }
    } finally {
      unet.release();
    }
  });

  it('follows moma.trajectory and moma.gen_masks to moma.final and moma.decoded', async () => {
    const { model: momaModel } = await patched();
    const init = await f32('moma.init_latent');
    const reference = await f32('moma.trajectory');
    const steps = reference.shape[0] ?? 0;
    const levels = SAMPLER_PLANS.ddim_diffusers.levels({ scheduler: 'normal', steps, denoise: 1 });
    expect(levels.slice(0, steps)).toEqual(json['moma.timesteps']);
    const trajectory = new Float32Array(reference.size);
    const refMasks = await f32('moma.gen_masks');
    const [, , , mh = 0, mw = 0] = refMasks.shape;
    const masks = new Float32Array(refMasks.size);
    const [, , h = 0, w = 0] = init.shape;
    const { samples, masks: final } = await sampleLatentWithMasks({
      env,
      model: momaModel,
      positive,
      negative,
      latent: Tensor.zeros('float32', init.shape),
      noise: init,
      samplerName: 'ddim_diffusers',
      scheduler: 'normal',
      steps,
      cfg: MOMA_SETTINGS.cfg,
      onStep: ({ stepIndex, x, masks: made }) => {
        trajectory.set(x.data, stepIndex * init.size);
        const mask = made()[MOMA_PATCH_IDS.map];
        if (mask === undefined) throw new Error(`no generated mask after step ${stepIndex}`);
        expect(mask.shape).toEqual([1, 1, h, w]);
        // The official code upsamples to 512x512 by nearest neighbour; so do we, to compare.
        for (let y = 0; y < mh; y++) {
          for (let x2 = 0; x2 < mw; x2++) {
            const src = Math.floor((y * h) / mh) * w + Math.floor((x2 * w) / mw);
            masks[stepIndex * mh * mw + y * mw + x2] = mask.data[src]!;
          }
        }
      },
    });
    expectClose(trajectory, reference.data, MULTI, 'moma.trajectory');
    expectClose(masks, refMasks.data, MULTI, 'moma.gen_masks');
    // The run's final mask is the one made after the last step.
    expect(final[MOMA_PATCH_IDS.map]?.shape).toEqual([1, 1, h, w]);
    const scaledBack = Float32Array.from(samples.data, (v) => v * SD15_LATENT_SCALE);
    expectClose(scaledBack, (await f32('moma.final')).data, MULTI, 'moma.final');
    const decoded = await decodeLatent(env, checkpoint.vae, samples);
    expectClose(decoded.data, (await f32('moma.decoded')).data, MULTI, 'moma.decoded');
  });
});
