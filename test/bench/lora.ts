/**
 * LoRA on the full-size SD1.5 UNet (random weights with the real shapes, a kohya LoRA of rank --rank
 * on every transformer linear / projection and the text encoder, written to models/loras): through the
 * LoraLoader node and the UNet graph / session caches KSampler uses, it prints
 * - apply: LoraLoader + opening the UNet (graph build with the low-rank branches, session create);
 * - strength change: LoraLoader at another strength + opening the UNet again (cache hits);
 * - step time (one CFG call: batch 2, 64x64 latent, 77 tokens) with the LoRA against the plain UNet,
 *   alternating, medians of --steps;
 * - for comparison, what merging the LoRA into the weights would cost per strength change: a build
 *   and session of the merged weights (the other design), and its step time (= the plain step).
 * Run it alone (about 10 GB peak): flock /tmp/momaflow-heavy.lock pnpm exec tsx --expose-gc test/bench/lora.ts
 *   [--rank 32] [--steps 5]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeSafetensors, Tensor } from '@momaflow/engine';
import { DIFFUSION_SESSIONS, UNET_GRAPHS } from '../../nodes/src/diffusion/diffusion-resources';
import { recordingContext, tinyWorkspace } from '../../nodes/src/diffusion/test-support';
import { LoraLoaderModelOnly } from '../../nodes/src/lora/lora-loaders';
import { WeightMap } from '../../nodes/src/models/ldm-config/index';
import { tinyLoraTensors } from '../../nodes/src/models/lora/index';
import { SD15_SHAPE, sdModelShapes } from '../../nodes/src/models/tiny/index';
import {
  createUnetModel,
  SD15_UNET_CONFIG,
  type UnetModel,
  UnetSession,
} from '../../nodes/src/models/unet/index';
import { randomSd15Weights } from './random-sd15-weights';

const { values: args } = parseArgs({
  options: { rank: { type: 'string', default: '32' }, steps: { type: 'string', default: '5' } },
});
const rank = Number(args.rank);
const steps = Number(args.steps);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const since = (t0: number) => (performance.now() - t0) / 1000;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const s = (x: number) => `${x.toFixed(x < 1 ? 3 : 2)} s`;

/** The LoRA's deltas merged into the weights at `strength` (float64 per element, as ComfyUI adds them). */
async function mergeDeltas(w: WeightMap, strength: number): Promise<WeightMap> {
  const tensors: Record<string, Tensor<'float32'>> = {};
  for (const key of w.keys()) {
    const t = w.take(key, w.shapeOf(key) ?? []);
    const deltas = w.deltas().get(key) ?? [];
    if (deltas.length === 0) {
      tensors[key] = t;
      continue;
    }
    const out = Float32Array.from(t.data);
    for (const d of deltas) {
      const [o = 0, r = 0] = d.up.shape;
      const cols = d.down.size / r;
      for (let i = 0; i < o; i++)
        for (let k = 0; k < r; k++) {
          const a = strength * d.scale * d.up.data[i * r + k]!;
          for (let j = 0; j < cols; j++) out[i * cols + j]! += a * d.down.data[k * cols + j]!;
        }
    }
    tensors[key] = new Tensor('float32', t.shape, out);
  }
  return WeightMap.fromTensors('merged', tensors);
}

const ws = await tinyWorkspace();
const { env } = ws;
const dirs = env.dirs;
const { ctx } = recordingContext(env);
try {
  await mkdir(join(dirs.models, 'loras'), { recursive: true });
  const lora = tinyLoraTensors('kohya', sdModelShapes(SD15_SHAPE), 3, rank);
  const bytes = encodeSafetensors(lora, { dtype: 'F16' });
  await writeFile(join(dirs.models, 'loras', 'bench.safetensors'), bytes);
  const modules = Object.keys(lora).filter(
    (k) => k.startsWith('lora_unet_') && k.endsWith('.lora_down.weight'),
  ).length;
  console.log(
    `LoRA: kohya, rank ${rank}, ${modules} UNet modules, ${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB fp16`,
  );

  const plain = createUnetModel({ config: SD15_UNET_CONFIG, weights: randomSd15Weights(1) });
  const open = (model: UnetModel) =>
    UnetSession.open({
      model,
      graphs: env.resource(UNET_GRAPHS),
      sessions: env.resource(DIFFUSION_SESSIONS),
    });
  const withLora = async (strength: number) => {
    const out = await LoraLoaderModelOnly.run(ctx, {
      model: plain,
      lora_name: 'bench.safetensors',
      strength_model: strength,
    });
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    return out[0] as UnetModel;
  };

  let t0 = performance.now();
  const base = await open(plain);
  console.log(`plain UNet: open (graph build + session) ${s(since(t0))}   [load ${load()}]`);

  t0 = performance.now();
  const loraModel = await withLora(0.8);
  const loaderSeconds = since(t0);
  const patched = await open(loraModel);
  console.log(
    `apply LoRA: LoraLoader ${s(loaderSeconds)}, open ${s(since(t0) - loaderSeconds)}, total ${s(since(t0))}   [load ${load()}]`,
  );

  t0 = performance.now();
  const again = await open(await withLora(0.35));
  console.log(
    `strength 0.8 -> 0.35: LoraLoader + open ${s(since(t0))} (same graph: ${again.compiled.key === patched.compiled.key})   [load ${load()}]`,
  );
  again.release();

  const input = {
    sample: Tensor.filled([2, 4, 64, 64], 0.1),
    timestep: 500,
    encoderHiddenStates: Tensor.filled([2, 77, 768], 0.05),
  };
  await base.run(input);
  await patched.run(input);
  // Wall seconds, and CPU seconds of the whole process (the sessions' worker thread included): on a
  // shared machine other processes stretch the wall time of a step, not the work it does.
  const timed = async (session: UnetSession) => {
    const [t, cpu] = [performance.now(), process.cpuUsage()];
    await session.run(input);
    const used = process.cpuUsage(cpu);
    return { wall: since(t), cpu: (used.user + used.system) / 1e6 };
  };
  const plainSteps: { wall: number; cpu: number }[] = [];
  const loraSteps: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < steps; i++) {
    plainSteps.push(await timed(base));
    loraSteps.push(await timed(patched));
  }
  const show = (xs: number[]) => `${s(median(xs))} [${xs.map((x) => x.toFixed(2)).join(', ')}]`;
  for (const [name, list] of [
    ['plain', plainSteps],
    ['LoRA ', loraSteps],
  ] as const) {
    console.log(`step, ${name}: wall ${show(list.map((x) => x.wall))}, CPU ${show(list.map((x) => x.cpu))}`);
  }
  // Each pair ran back to back, so its ratio is less exposed to the machine's load drifting than the medians.
  for (const key of ['wall', 'cpu'] as const) {
    const ratios = loraSteps.map((t, i) => t[key] / plainSteps[i]![key]);
    console.log(
      `LoRA / plain per pair (${key}): median ${median(ratios).toFixed(3)} [${ratios.map((r) => r.toFixed(3)).join(', ')}]   [load ${load()}]`,
    );
  }
  base.release();
  patched.release();

  // The other design: the LoRA merged into the weights, which needs a new graph for every strength.
  // The merge itself runs here in plain JS (slow, and not what a merged design would use), so it is
  // timed apart from the build and session that every strength change would pay.
  t0 = performance.now();
  let mergedWeights: WeightMap | undefined = await mergeDeltas(await loraModel.weights.load(), 0.35);
  console.log(`merged design: merging in JS ${s(since(t0))} (not counted)`);
  const merged = createUnetModel({
    config: SD15_UNET_CONFIG,
    weights: {
      id: 'random-sd15-merged-0.35',
      origin: 'merged',
      load: async () => {
        const w = mergedWeights!;
        mergedWeights = undefined;
        return w;
      },
    },
  });
  t0 = performance.now();
  const mergedSession = await open(merged);
  console.log(`merged design, one strength change: build + session ${s(since(t0))}   [load ${load()}]`);
  await mergedSession.run(input);
  const mergedSteps: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < Math.min(steps, 3); i++) mergedSteps.push(await timed(mergedSession));
  console.log(
    `step, merged: wall ${show(mergedSteps.map((x) => x.wall))}, CPU ${show(mergedSteps.map((x) => x.cpu))}   [load ${load()}]`,
  );
  mergedSession.release();
} finally {
  await ws.dispose();
}
