/**
 * Full-size MoMA benchmark: random-weight SD1.5 (the txt2img bench's checkpoint) with a random MoMA
 * adapter of the real shapes, run through `workflows/moma-personalize.json` by the executor at
 * 512x512, CFG batch 2 (MoMAApply -> KSampler ddim_diffusers -> VAEDecode + GeneratedMask), with
 * random image-prompt tokens in place of the MLLM and the reference's alpha in place of Segment
 * (neither is part of this bench). Then, on the same environment (same graphs, sessions and
 * reference cache), guided UNet calls alternated between the plain model, MoMA with its injections
 * on (t = 500) and MoMA with its self-attention injection off (t = 961 >= 950), and the reference
 * pass alone. Prints seconds, the MoMA / plain ratios, the load average and peak RSS. Not a test.
 *   pnpm exec tsx test/bench/moma.ts make DIR
 *   flock /tmp/momaflow-heavy.lock pnpm exec tsx --expose-gc test/bench/moma.ts run DIR [--steps 3] [--repeats 3]
 * `make` writes DIR/models/checkpoints/random-sd15.safetensors (through test/bench/txt2img.ts),
 * DIR/models/moma/random-sd15-attn_adapters_projectors.th and DIR/input/reference.png (RGBA: a disc of subject).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createExecutor,
  createLogger,
  createNodeEnv,
  createNodeRegistry,
  defineNode,
  type ExecutionEvent,
  type NodeEnv,
  Tensor,
  toPrompt,
  validatePrompt,
} from '@momaflow/engine';
import {
  BUILTIN_NODES,
  DIFFUSION_SESSIONS,
  decodeImageFile,
  encodePng,
  type ImagePrompt,
  loadCheckpoint,
  MOMA_PATCH_IDS,
  MoMAApply,
  referencePasses,
  torchRandn,
  UNET_GRAPHS,
} from '@momaflow/nodes';
import { resolveDirectories } from '@momaflow/server';
import { readMomaAdapter } from '../../nodes/src/models/moma-adapter';
import { writeSeededMomaAdapter } from '../../nodes/src/models/tiny';
import {
  listHookPoints,
  SD15_UNET_CONFIG,
  type UnetModel,
  UnetSession,
  unetLayout,
} from '../../nodes/src/models/unet';

const CHECKPOINT = 'random-sd15.safetensors';
const ADAPTER = 'random-sd15-attn_adapters_projectors.th';
const REFERENCE = 'reference.png';
const SIZE = 512;
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: 'string', default: '3' }, repeats: { type: 'string', default: '3' } },
});
const [mode, dir] = positionals;
if ((mode !== 'make' && mode !== 'run') || dir === undefined) {
  throw new Error('usage: moma.ts make DIR | run DIR [--steps N] [--repeats N]');
}
const dirs = resolveDirectories(dir);
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => loadavg()[0]!.toFixed(2);

async function make(): Promise<void> {
  const txt2img = fileURLToPath(new URL('./txt2img.ts', import.meta.url));
  execFileSync('pnpm', ['exec', 'tsx', txt2img, 'make', dir!], { stdio: 'inherit' });
  const config = SD15_UNET_CONFIG;
  const path = join(dirs.models, 'moma', ADAPTER);
  // MoMA's sizes: LLaVA-7B's 4096-wide states mapped to 1024, 4 image-prompt tokens.
  await mkdir(dirname(path), { recursive: true });
  await writeSeededMomaAdapter(
    path,
    {
      llmHidden: 4096,
      embedding: 1024,
      tokens: 4,
      tokenDim: config.crossAttentionDim,
      attention: listHookPoints(unetLayout(config)),
    },
    7,
  );
  // A disc of subject (opaque) on a transparent background, with colour gradients inside.
  const image = Tensor.zeros('float32', [1, SIZE, SIZE, 4]);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const p = (y * SIZE + x) * 4;
      image.data.set([x / SIZE, y / SIZE, 1 - x / SIZE], p);
      image.data[p + 3] = Math.hypot(x - SIZE / 2, y - SIZE / 2) < SIZE / 3 ? 1 : 0;
    }
  }
  await mkdir(dirs.input, { recursive: true });
  await writeFile(join(dirs.input, REFERENCE), await encodePng(image));
  console.log(`wrote ${path} and ${join(dirs.input, REFERENCE)}`);
}

/** Random image-prompt tokens at SD1.5's width, standing in for the MLLM adapter. */
const imagePrompt: ImagePrompt = {
  cond: torchRandn({ seed: 11, shape: [1, 4, 768] }),
  uncond: torchRandn({ seed: 12, shape: [1, 4, 768] }),
};
const BenchImagePrompt = defineNode({
  type: 'BenchImagePrompt',
  category: 'bench',
  inputs: {},
  outputs: [{ type: 'IMAGE_PROMPT' }],
  run: () => [imagePrompt],
});

/** Peak RSS sampled while `fn` runs. */
async function peakDuring<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  try {
    return { value: await fn(), peak };
  } finally {
    clearInterval(sampler);
  }
}

async function workflowRun(env: NodeEnv) {
  const registry = createNodeRegistry([...BUILTIN_NODES, BenchImagePrompt]);
  const workflow: unknown = JSON.parse(
    await readFile(new URL('../../workflows/moma-personalize.json', import.meta.url), 'utf8'),
  );
  const converted = toPrompt(workflow, registry);
  if (!converted.ok) throw new Error('workflows/moma-personalize.json does not convert');
  const prompt = converted.value as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  const idOf = (type: string) => Object.keys(prompt).find((id) => prompt[id]!.class_type === type)!;
  Object.assign(prompt[idOf('CheckpointLoaderSimple')]!.inputs, { ckpt_name: CHECKPOINT });
  Object.assign(prompt[idOf('MoMAAdapterLoader')]!.inputs, { adapter_name: ADAPTER });
  Object.assign(prompt[idOf('LoadImage')]!.inputs, { image: REFERENCE });
  Object.assign(prompt[idOf('EmptyLatentImage')]!.inputs, { width: SIZE, height: SIZE });
  Object.assign(prompt[idOf('KSampler')]!.inputs, { steps: Number(values.steps) });
  // The UNet side only: random tokens for the MLLM, the reference's alpha for Segment.
  for (const type of ['MLLMAdapter', 'MLLMLoader', 'Segment', 'SegmentModelLoader'])
    delete prompt[idOf(type)];
  prompt['bench-ip'] = { class_type: 'BenchImagePrompt', inputs: {} };
  prompt['bench-mask'] = { class_type: 'InvertMask', inputs: { mask: [idOf('LoadImage'), 1] } };
  Object.assign(prompt[idOf('MoMAApply')]!.inputs, {
    image_prompt: ['bench-ip', 0],
    reference_mask: ['bench-mask', 0],
  });
  const checked = await validatePrompt(prompt, { registry, env });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const sampler = idOf('KSampler');
  const stepTimes: number[] = [];
  // Independent nodes run side by side: a sample counts for every node running at the time.
  const peakByNode: Record<string, number> = {};
  const running = new Set<string>();
  const watch = setInterval(() => {
    const rss = process.memoryUsage().rss;
    for (const id of running) peakByNode[id] = Math.max(peakByNode[id] ?? 0, rss);
  }, 50);
  let last = performance.now();
  const emit = (e: ExecutionEvent) => {
    if (e.type === 'executing') {
      last = performance.now();
      running.add(e.nodeId);
    }
    if (e.type === 'executed') running.delete(e.nodeId);
    if (e.type === 'progress' && e.nodeId === sampler) {
      stepTimes.push((performance.now() - last) / 1000);
      last = performance.now();
    }
  };
  const result = await createExecutor({ env })
    .execute(checked.value, { emit })
    .finally(() => clearInterval(watch));
  if (result.status !== 'success') throw new Error(`the workflow ended with ${result.status}`);
  return { prompt, timings: result.timings, stepTimes, peakByNode };
}

/** The MoMA MODEL the workflow made, made again on the same environment (same graph key). */
async function momaModel(env: NodeEnv): Promise<{ plain: UnetModel; moma: UnetModel }> {
  const checkpoint = await loadCheckpoint(env, join(dirs.models, 'checkpoints', CHECKPOINT));
  const adapterPath = join(dirs.models, 'moma', ADAPTER);
  const loaded = await decodeImageFile(join(dirs.input, REFERENCE), { label: 'bench', name: REFERENCE });
  const ctx = {
    nodeId: 'bench',
    promptId: 'bench',
    source: {},
    signal: new AbortController().signal,
    log: env.log,
    env,
    progress: () => {},
  };
  const out = await MoMAApply.run(ctx, {
    model: checkpoint.model,
    clip: checkpoint.clip,
    vae: checkpoint.vae,
    moma_adapter: await readMomaAdapter(adapterPath, 'bench'),
    image_prompt: imagePrompt,
    reference_image: loaded.image,
    reference_mask: new Tensor(
      'float32',
      loaded.mask.shape,
      loaded.mask.data.map((v) => 1 - v),
    ),
    subject: 'ball',
    prompt: 'A ball on a wooden table in a garden.',
    reference_size: SIZE,
    mode: 'context',
    strength: 1,
  });
  if (!Array.isArray(out)) throw new Error('MoMAApply returned no outputs');
  return { plain: checkpoint.model, moma: out[0] };
}

/** Seconds of guided calls, alternated: plain, MoMA on, MoMA off; and of the reference pass. */
async function compareSteps(env: NodeEnv, models: { plain: UnetModel; moma: UnetModel }) {
  const open = (model: UnetModel) =>
    UnetSession.open({
      model,
      graphs: env.resource(UNET_GRAPHS),
      sessions: env.resource(DIFFUSION_SESSIONS),
    });
  const plain = await open(models.plain);
  const moma = await open(models.moma);
  const rows = (['uncond', 'cond'] as const).map((role) => ({
    role,
    entry: 0,
    latent: 0,
    tokenIds: undefined,
  }));
  const run = { rows, height: SIZE / 8, width: SIZE / 8, contextTokens: 77 };
  const plainRun = await plain.startRun(run);
  const momaRun = await moma.startRun({ ...run, references: await referencePasses(env, moma) });
  const input = {
    sample: torchRandn({ seed: 3, shape: [2, 4, SIZE / 8, SIZE / 8] }),
    encoderHiddenStates: torchRandn({ seed: 4, shape: [2, 77, 768] }),
  };
  const times = { plain: [] as number[], on: [] as number[], off: [] as number[], reference: [] as number[] };
  const timed = async (list: number[], fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    list.push((performance.now() - t0) / 1000);
  };
  for (let i = 0; i < Number(values.repeats); i++) {
    await timed(times.plain, () => plainRun.run({ ...input, timestep: 500, step: { index: i } }));
    await timed(times.on, () => momaRun.run({ ...input, timestep: 500, step: { index: i } }));
    await timed(times.off, () => momaRun.run({ ...input, timestep: 961, step: { index: i } }));
    await timed(times.reference, () => moma.runReference(MOMA_PATCH_IDS.reference));
  }
  await plainRun.end();
  await momaRun.end();
  plain.release();
  moma.release();
  return times;
}

async function runBench(): Promise<void> {
  const load0 = load();
  const env = createNodeEnv({ dirs, log: createLogger(() => {}) });
  try {
    const flow = await peakDuring(() => workflowRun(env));
    const load1 = load();
    const compare = await peakDuring(async () => compareSteps(env, await momaModel(env)));
    const { prompt, timings, stepTimes, peakByNode } = flow.value;
    const t = compare.value;
    console.log(
      `MoMA bench: random-weight SD1.5 + random MoMA adapter, ${SIZE}x${SIZE}, CFG batch 2, ${values.steps} ddim_diffusers steps`,
    );
    console.log(`  gc exposed:            ${typeof Reflect.get(globalThis, 'gc') === 'function'}`);
    console.log(
      `  load average:          ${load0} at start, ${load1} after the workflow, ${load()} at end (2 cores)`,
    );
    for (const [id, ms] of Object.entries(timings)) {
      console.log(
        `  node ${id.padEnd(9)} ${prompt[id]!.class_type.padEnd(24)} ${(ms / 1000).toFixed(1).padStart(5)} s, peak RSS while running ${gib(peakByNode[id] ?? 0)}`,
      );
    }
    console.log(
      `  workflow sampler steps: ${stepTimes.map((s) => s.toFixed(2)).join(', ')} s (the first includes the graph build, session load and reference pass)`,
    );
    console.log(`  workflow peak RSS:     ${gib(flow.peak)}`);
    const med = { plain: median(t.plain), on: median(t.on), off: median(t.off) };
    console.log(
      `  plain step:            ${med.plain.toFixed(2)} s (median of ${t.plain.map((s) => s.toFixed(2)).join(', ')})`,
    );
    console.log(
      `  MoMA step, on:         ${med.on.toFixed(2)} s = ${(med.on / med.plain).toFixed(2)}x plain (${t.on.map((s) => s.toFixed(2)).join(', ')})`,
    );
    console.log(
      `  MoMA step, self off:   ${med.off.toFixed(2)} s = ${(med.off / med.plain).toFixed(2)}x plain (${t.off.map((s) => s.toFixed(2)).join(', ')})`,
    );
    console.log(
      `  reference pass:        ${median(t.reference).toFixed(2)} s (${t.reference.map((s) => s.toFixed(2)).join(', ')})`,
    );
    console.log(`  peak RSS, comparisons: ${gib(compare.peak)} (plain and MoMA UNet sessions both loaded)`);
  } finally {
    await env.dispose();
  }
}

await (mode === 'make' ? make() : runBench());
