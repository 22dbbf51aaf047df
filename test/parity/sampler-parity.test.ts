/**
 * Acceptance: every reference sampler run in `vectors.safetensors` (`sampler.<name>.<scheduler>.*` and
 * `sampler.ddim_diffusers.*`) replayed end to end through the diffusion pack's own path (checkpoint
 * loader, tokenizer + text encoder for prompts 0 and 1 of vectors.json, guided sampling with batched
 * CFG, VAE decode), from BOTH the diffusers folder `tiny-sd/` and the single file `tiny-sd.safetensors`,
 * which must agree exactly. Steps, latent shape, CFG scale and prompts come from the fixtures, so any
 * fixture set made the same way is checked. Tolerance: the fixtures README's 1e-3 relative for
 * multi-step trajectories; the decode of a trajectory's result inherits that error, so it uses the same.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeEnv, WeightReader } from '@momaflow/engine';
import { createNodeEnv, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import {
  type Conditioning,
  decodeLatent,
  encodePrompt,
  type LoadedCheckpoint,
  loadCheckpoint,
  SAMPLER_NAMES,
  SAMPLER_PLANS,
  type SamplerName,
  SCHEDULER_NAMES,
  type SchedulerName,
  SD1_SCHEDULE,
  SD15_LATENT_SCALE,
  sampleLatent,
  sigmaToTimestep,
} from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeness,
  fixturePath,
  isNumber,
  isString,
  jsonArray,
  openVectors,
  readVectorsJson,
} from './fixtures';

const TRAJECTORY_RELATIVE = 1e-3;
const SOURCES = ['tiny-sd', 'tiny-sd.safetensors'] as const;
const RUN = /^sampler\.([a-z0-9_]+)\.(?:([a-z_]+)\.)?trajectory$/;

const isSampler = (s: string): s is SamplerName => (SAMPLER_NAMES as readonly string[]).includes(s);
const isScheduler = (s: string): s is SchedulerName => (SCHEDULER_NAMES as readonly string[]).includes(s);

/** One reference run: which sampler and scheduler, and where its tensors are. */
interface ReferenceRun {
  readonly key: string;
  readonly sampler: SamplerName;
  readonly scheduler: SchedulerName;
  readonly prefix: string;
}

interface Source {
  readonly env: NodeEnv;
  readonly checkpoint: LoadedCheckpoint;
  readonly positive: Conditioning;
  readonly negative: Conditioning;
  readonly ids: readonly Int32Array[];
}

let vectors: WeightReader;
let json: Record<string, unknown>;
let temp: string;
let runs: ReferenceRun[];
const sources = new Map<string, Source>();
/** Trajectories per source, by run key, for the cross-source comparison. */
const trajectories = new Map<string, Map<string, Float32Array>>();

beforeAll(async () => {
  vectors = await openVectors();
  json = await readVectorsJson();
  temp = await mkdtemp(join(tmpdir(), 'momaflow-parity-'));
  runs = vectors
    .keys()
    .map((key) => [key, RUN.exec(key)] as const)
    .filter((m): m is readonly [string, RegExpExecArray] => m[1] !== null)
    .map(([key, [, sampler = '', scheduler = 'normal']]) => {
      if (!isSampler(sampler) || !isScheduler(scheduler))
        throw new Error(`${key}: unknown sampler or scheduler`);
      return { key, sampler, scheduler, prefix: key.replace(/\.trajectory$/, '') };
    });
  const prompts = jsonArray(json, 'prompts', isString);
  for (const name of SOURCES) {
    const dirs = { input: temp, output: temp, temp: join(temp, name), models: temp };
    const env = createNodeEnv({ dirs, log: SILENT_LOGGER });
    const checkpoint = await loadCheckpoint(env, fixturePath(name));
    const [cond, uncond] = await Promise.all(
      [prompts[0] ?? '', prompts[1] ?? ''].map((p) => encodePrompt(env, checkpoint.clip, p)),
    );
    sources.set(name, {
      env,
      checkpoint,
      positive: cond!.conditioning,
      negative: uncond!.conditioning,
      ids: [cond!.tokens.ids, uncond!.tokens.ids],
    });
    trajectories.set(name, new Map());
  }
});

afterAll(async () => {
  await vectors?.close();
  for (const { env } of sources.values()) await env.dispose();
  if (temp) await rm(temp, { recursive: true, force: true });
});

async function f32(name: string): Promise<Tensor<'float32'>> {
  return vectors.readFloat32(name);
}

describe.each(SOURCES)('sampler parity from %s', (name) => {
  it('tokenizes prompts 0 and 1 to text.input_ids', async () => {
    const ids = await vectors.read('text.input_ids');
    const width = ids.shape[1] ?? 0;
    const source = sources.get(name)!;
    source.ids.forEach((row, r) => {
      expect(Array.from(row)).toEqual(Array.from(ids.data.slice(r * width, (r + 1) * width), Number));
    });
  });

  it('finds the reference runs', () => {
    expect(runs.map((r) => r.sampler)).toContain('ddim_diffusers');
    expect(runs.length).toBeGreaterThanOrEqual(7);
  });

  it('replays every reference trajectory and final latent within 1e-3 relative', async () => {
    const source = sources.get(name)!;
    const noise = await f32('sampler.noise');
    const cfg = (await f32('sampler.cfg')).data[0]!;
    for (const run of runs) {
      const reference = await f32(run.key);
      const steps = reference.shape[0] ?? 0;
      const plan = SAMPLER_PLANS[run.sampler];
      const levels = plan.levels({ scheduler: run.scheduler, steps, denoise: 1 });
      const tKey =
        run.sampler === 'ddim_diffusers' ? `${run.prefix}.timesteps` : `${run.prefix}.unet_timesteps`;
      const used =
        run.sampler === 'ddim_diffusers'
          ? levels.slice(0, steps)
          : levels.slice(0, steps).map((s) => sigmaToTimestep(SD1_SCHEDULE, s));
      expect(used, `${run.key}: UNet timesteps`).toEqual(jsonArray(json, tKey, isNumber));

      const stepNoise =
        run.sampler === 'euler_ancestral'
          ? await Promise.all(
              Array.from({ length: steps - 1 }, (_, i) => f32(`${run.prefix}.step_noise_${i}`)),
            )
          : [];
      const trajectory = new Float32Array(reference.size);
      const latent = await sampleLatent({
        env: source.env,
        model: source.checkpoint.model,
        positive: source.positive,
        negative: source.negative,
        latent: Tensor.zeros('float32', noise.shape),
        noise,
        noiseSource: ({ stepIndex }) => stepNoise[stepIndex]!,
        samplerName: run.sampler,
        scheduler: run.scheduler,
        steps,
        cfg,
        onStep: ({ stepIndex, x }) => trajectory.set(x.data, stepIndex * noise.size),
      });
      const t = closeness(trajectory, reference.data, TRAJECTORY_RELATIVE);
      expect(t.maxDiff, `${run.key} from ${name}`).toBeLessThanOrEqual(t.bound);
      const final = await f32(`${run.prefix}.final`);
      const scaledBack = Float32Array.from(latent.data, (v) => v * SD15_LATENT_SCALE);
      const f = closeness(scaledBack, final.data, TRAJECTORY_RELATIVE);
      expect(f.maxDiff, `${run.prefix}.final from ${name}`).toBeLessThanOrEqual(f.bound);
      trajectories.get(name)!.set(run.key, trajectory);

      if (run.sampler === 'ddim_diffusers') {
        const decoded = await decodeLatent(source.env, source.checkpoint.vae, latent);
        const ref = await f32(`${run.prefix}.decoded`);
        expect(decoded.shape).toEqual(ref.shape);
        const d = closeness(decoded.data, ref.data, TRAJECTORY_RELATIVE);
        expect(d.maxDiff, `${run.prefix}.decoded from ${name}`).toBeLessThanOrEqual(d.bound);
      }
    }
  });
});

describe('the diffusers folder and the single file', () => {
  it('give identical trajectories', () => {
    const [a, b] = SOURCES.map((s) => trajectories.get(s)!);
    expect(a!.size).toBe(runs.length);
    for (const [key, trajectory] of a!) expect(Array.from(b!.get(key)!), key).toEqual(Array.from(trajectory));
  });
});
