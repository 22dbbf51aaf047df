/**
 * Acceptance: every run of `samplers-extra.*` (ComfyUI's own sampler code on the tiny UNet) replayed
 * through momaflow's samplers and guided UNet: the tiny-sd folder, prompts 0 / 1 of vectors.json,
 * the fixture's CFG scale, start noise (`sampler.noise` of vectors.safetensors), sigmas and injected
 * step noise. Checked per run: the sigmas and UNet timesteps of every model call and the interval
 * of every noise draw against samplers-extra.json, the whole trajectory and the final latent within
 * the README's 1e-3 * max(1, max |ref|), and, for the KSampler variants, that KSampler's own plan
 * gives the fixture's sigmas. Names, shapes, steps and counts all come from the fixture files.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeEnv, WeightReader } from '@momaflow/engine';
import { createNodeEnv, openSafetensors, SILENT_LOGGER, type Tensor } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnetSession } from '../models/unet';
import { parityError } from '../models/unet/test-fixtures';
import {
  calculateSigmas,
  initialLatent,
  K_SAMPLER_NAMES,
  K_SAMPLERS,
  type KSamplerName,
  SCHEDULER_NAMES,
  type SchedulerName,
  SD1_SCHEDULE,
  sample,
  sigmaToTimestep,
} from '../samplers';
import { createCfgDenoiser } from './cfg-denoiser';
import { DIFFUSION_SESSIONS, UNET_GRAPHS } from './diffusion-resources';
import type { Conditioning } from './diffusion-types';
import { encodePrompt } from './encode-prompt';
import { type LoadedCheckpoint, loadCheckpoint } from './load-checkpoint';
import { SAMPLER_PLANS } from './sampler-plans';

const RELATIVE = 1e-3;

interface FixtureRun {
  readonly comfyui_sampler: string;
  readonly scheduler: string;
  readonly sigmas: number[];
  readonly model_sigmas: number[];
  readonly unet_timesteps: number[];
  readonly model_calls: number;
  readonly tie_sensitive: boolean;
  readonly noise?: { readonly count: number; readonly calls_sigma_sigma_next: [number, number][] };
}

const isSampler = (s: string): s is KSamplerName => (K_SAMPLER_NAMES as readonly string[]).includes(s);
const isScheduler = (s: string): s is SchedulerName => (SCHEDULER_NAMES as readonly string[]).includes(s);

/** The README's multi-step bound: 1e-3 * max(1, max |ref|), ten times the single-pass one. */
function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>): { worst: number; bound: number } {
  const { maxAbs, bound } = parityError(actual, expected);
  return { worst: maxAbs, bound: bound * (RELATIVE / 1e-4) };
}

const relativeEqual = (a: readonly number[], b: readonly number[], tol: number) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * Math.max(Math.abs(b[i]!), 1e-12));

let temp: string;
let env: NodeEnv;
let checkpoint: LoadedCheckpoint;
let positive: Conditioning;
let negative: Conditioning;
let extra: WeightReader;
let vectors: WeightReader;
let runs: [string, FixtureRun][];
let cfg: number;

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'momaflow-samplers-extra-'));
  env = createNodeEnv({ dirs: { input: temp, output: temp, temp, models: temp }, log: SILENT_LOGGER });
  checkpoint = await loadCheckpoint(env, fixturePath('tiny-sd'));
  const json = JSON.parse(await readFile(fixturePath('samplers-extra.json'), 'utf8')) as {
    cfg: number;
    fixtures: Record<string, FixtureRun>;
  };
  const prompts = (JSON.parse(await readFile(fixturePath('vectors.json'), 'utf8')) as { prompts: string[] })
    .prompts;
  positive = (await encodePrompt(env, checkpoint.clip, prompts[0]!)).conditioning;
  negative = (await encodePrompt(env, checkpoint.clip, prompts[1]!)).conditioning;
  cfg = json.cfg;
  runs = Object.entries(json.fixtures);
  extra = await openSafetensors(fixturePath('samplers-extra.safetensors'));
  vectors = await openSafetensors(fixturePath('vectors.safetensors'));
});

afterAll(async () => {
  await extra?.close();
  await vectors?.close();
  await env?.dispose();
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe('samplers-extra parity (ComfyUI sampler code on the tiny UNet)', () => {
  it('covers every sampler the fixtures name', () => {
    expect(runs.length).toBeGreaterThan(0);
    for (const [key, run] of runs) expect(isSampler(run.comfyui_sampler), key).toBe(true);
  });

  it('replays every run: calls, noise intervals, trajectory and final latent', async () => {
    const noise = await vectors.readFloat32('sampler.noise');
    const unet = await UnetSession.open({
      model: checkpoint.model,
      graphs: env.resource(UNET_GRAPHS),
      sessions: env.resource(DIFFUSION_SESSIONS),
    });
    try {
      for (const [key, run] of runs) {
        const name = run.comfyui_sampler;
        if (!isSampler(name)) throw new Error(`${key}: unknown sampler ${name}`);
        const sigmas = Array.from((await extra.readFloat32(`${key}.sigmas`)).data);
        const steps = sigmas.length - 1;
        const stepNoise: Tensor[] = [];
        for (let k = 0; k < (run.noise?.count ?? 0); k++)
          stepNoise.push(await extra.readFloat32(`${key}.step_noise_${k}`));
        const guided = createCfgDenoiser({
          unet,
          positive,
          negative,
          cfg,
          domain: 'sigma',
          schedule: SD1_SCHEDULE,
          batch: noise.shape[0] ?? 1,
        });
        const called: number[] = [];
        const drawn: [number, number][] = [];
        const x0 = initialLatent({ noise, sigmas, sigmaMax: SD1_SCHEDULE.sigmaMax });
        const trajectory = new Float32Array(x0.size * (steps + 1));
        trajectory.set(x0.data, 0);
        const final = await sample({
          sampler: K_SAMPLERS[name],
          levels: sigmas,
          x: x0,
          denoise: (x, level, i) => {
            called.push(level);
            return guided(x, level, i);
          },
          noiseSource: ({ level, nextLevel }) => {
            drawn.push([level, nextLevel]);
            const n = stepNoise[drawn.length - 1];
            if (n === undefined)
              throw new Error(`${key}: more noise drawn than the fixture's ${stepNoise.length}`);
            return n;
          },
          onStep: ({ stepIndex, x }) => trajectory.set(x.data, (stepIndex + 1) * x0.size),
        });
        expect(called.length, `${key}: model calls`).toBe(run.model_calls);
        // Sub-step sigmas agree to float32 ulps, except where sigma_down = sqrt(sigma_to^2 - sigma_up^2)
        // cancels (a last ancestral step), which amplifies one ulp of torch's kernels to ~1e-5.
        expect(relativeEqual(called, run.model_sigmas, 1e-4), `${key}: model sigmas ${called}`).toBe(true);
        // Exact, except that a call whose sigma the fixture marks as lying on a timestep midpoint may
        // land on the neighbour: torch's float32 log / exp (SLEEF, 1 ulp) decide those, and they are
        // not emulated bit for bit. Each such call is printed.
        const timesteps = called.map((s) => sigmaToTimestep(SD1_SCHEDULE, s));
        timesteps.forEach((t, c) => {
          const wanted = run.unet_timesteps[c]!;
          if (t === wanted) return;
          console.log(`${key}: call ${c} at sigma ${called[c]} takes t = ${t}, ComfyUI ${wanted} (tie)`);
          expect(run.tie_sensitive && Math.abs(t - wanted) === 1, `${key}: UNet timestep of call ${c}`).toBe(
            true,
          );
        });
        expect(drawn.length, `${key}: noise draws`).toBe(run.noise?.count ?? 0);
        expect(
          relativeEqual(drawn.flat(), (run.noise?.calls_sigma_sigma_next ?? []).flat(), 1e-4),
          `${key}: noise intervals ${JSON.stringify(drawn)}`,
        ).toBe(true);
        const t = closeness(trajectory, (await extra.readFloat32(`${key}.trajectory`)).data);
        expect(t.worst, `${key}: trajectory`).toBeLessThanOrEqual(t.bound);
        const f = closeness(final.data, (await extra.readFloat32(`${key}.final`)).data);
        expect(f.worst, `${key}: final`).toBeLessThanOrEqual(f.bound);
        console.log(
          `${key}: trajectory max diff ${t.worst.toExponential(2)} (bound ${t.bound.toExponential(2)})`,
        );
      }
    } finally {
      unet.release();
    }
  });

  it('gives the fixture sigmas from the schedulers, and from KSampler plans for the *_ksampler runs', async () => {
    for (const [key, run] of runs) {
      const name = run.comfyui_sampler;
      const variant = key.split('.').at(-1) ?? '';
      const base = variant.replace(/_ksampler$/, '');
      if (!isSampler(name) || !isScheduler(base)) throw new Error(`${key}: unknown sampler or scheduler`);
      const sigmas = Array.from((await extra.readFloat32(`${key}.sigmas`)).data);
      const steps = sigmas.length - 1;
      const ours = variant.endsWith('_ksampler')
        ? SAMPLER_PLANS[name].levels({ scheduler: base, steps, denoise: 1 })
        : Array.from(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: base, steps }));
      expect(relativeEqual(ours, sigmas, 1e-5), `${key}: sigmas ${ours}`).toBe(true);
      // Where the UNet timestep is decided by rounding, the plan must carry ComfyUI's float32 bits.
      if (run.tie_sensitive && base === 'normal') expect(ours, key).toEqual(sigmas);
    }
  });
});
