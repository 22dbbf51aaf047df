/**
 * Full-size txt2img benchmark: a random-weight SD1.5 checkpoint with the real shapes (a 2 GB fp16
 * single file without yaml, as v1-5-pruned-emaonly ships), run through `workflows/txt2img.json` by
 * the executor: CheckpointLoaderSimple -> CLIPTextEncode x2 -> KSampler (512x512, CFG batch 2) ->
 * VAEDecode -> SaveImage. Prints per-node seconds, seconds per sampler step and peak RSS. Not a test.
 *   pnpm exec tsx test/bench/txt2img.ts make DIR            write DIR/models/checkpoints/random-sd15.safetensors
 *   pnpm exec tsx --expose-gc test/bench/txt2img.ts run DIR [--steps 3] [--size 512]
 * `make` streams the file tensor by tensor, so it never holds the model; run `run` as its own process
 * so the peak RSS is the workflow's. With --expose-gc the UNet graph cache collects the build-time
 * weights before its session loads (what a long-running server should do).
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createExecutor,
  createLogger,
  createNodeEnv,
  type ExecutionEvent,
  float32ToFloat16Array,
  toPrompt,
  validatePrompt,
} from '@momaflow/engine';
import { createBuiltinRegistry } from '@momaflow/nodes';
import {
  LDM_CLIP_TEXT_PREFIX,
  ldmClipTextShapes,
  ldmUnetShapes,
  ldmVaeShapes,
  SD15_SHAPE,
  seededWeight,
} from '../../nodes/src/models/tiny/index';

const CHECKPOINT = 'random-sd15.safetensors';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: 'string', default: '3' }, size: { type: 'string', default: '512' } },
});
const [mode, dir] = positionals;
if ((mode !== 'make' && mode !== 'run') || dir === undefined) {
  throw new Error('usage: txt2img.ts make DIR | run DIR [--steps N] [--size PX]');
}
const dirs = {
  input: join(dir, 'input'),
  output: join(dir, 'output'),
  temp: join(dir, 'temp'),
  models: join(dir, 'models'),
};
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Writes the safetensors header, then each tensor as fp16 as soon as it is made. */
async function makeCheckpoint(): Promise<void> {
  const shapes = new Map([
    ...ldmUnetShapes(SD15_SHAPE.unet),
    ...ldmVaeShapes(SD15_SHAPE.vae),
    ...ldmClipTextShapes(SD15_SHAPE.clip),
  ]);
  const names = [...shapes.keys()].sort();
  const fields: string[] = [];
  let offset = 0;
  for (const name of names) {
    const bytes = 2 * shapes.get(name)!.reduce((a, b) => a * b, 1);
    fields.push(
      `${JSON.stringify(name)}:{"dtype":"F16","shape":${JSON.stringify(shapes.get(name))},"data_offsets":[${offset},${offset + bytes}]}`,
    );
    offset += bytes;
  }
  let header = `{${fields.join(',')}}`;
  header += ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
  await mkdir(join(dirs.models, 'checkpoints'), { recursive: true });
  const file = await open(join(dirs.models, 'checkpoints', CHECKPOINT), 'w');
  try {
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(header.length));
    await file.write(size);
    await file.write(header);
    for (const name of names) {
      const t = seededWeight({ seed: 15, key: name, shape: shapes.get(name)! });
      await file.write(new Uint8Array(float32ToFloat16Array(t.data).buffer));
    }
  } finally {
    await file.close();
  }
  console.log(
    `wrote ${join(dirs.models, 'checkpoints', CHECKPOINT)}: ${names.length} tensors, ${gib(offset)} (+ ${LDM_CLIP_TEXT_PREFIX}* position ids left out)`,
  );
}

async function runWorkflow(): Promise<void> {
  let peak = 0;
  let running = '';
  // Peak RSS while each node runs, and how much of the overall peak was JS heap and ArrayBuffers.
  const peakByNode: Record<string, number> = {};
  let atPeak = { heapUsed: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak) atPeak = m;
    peak = Math.max(peak, m.rss);
    peakByNode[running] = Math.max(peakByNode[running] ?? 0, m.rss);
  }, 50);
  const env = createNodeEnv({ dirs, log: createLogger(() => {}) });
  const registry = createBuiltinRegistry();
  const workflow: unknown = JSON.parse(
    await readFile(new URL('../../workflows/txt2img.json', import.meta.url), 'utf8'),
  );
  const converted = toPrompt(workflow, registry);
  if (!converted.ok) throw new Error('workflows/txt2img.json does not convert');
  const prompt = converted.value as Record<string, { inputs: Record<string, unknown> }>;
  const size = Number(values.size);
  Object.assign(prompt['4']!.inputs, { ckpt_name: CHECKPOINT });
  Object.assign(prompt['5']!.inputs, { width: size, height: size });
  Object.assign(prompt['3']!.inputs, { steps: Number(values.steps) });
  const checked = await validatePrompt(prompt, { registry, env });
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const stepTimes: number[] = [];
  let last = performance.now();
  const rssAfter: Record<string, number> = {};
  const emit = (e: ExecutionEvent) => {
    if (e.type === 'progress' && e.nodeId === '3') {
      const now = performance.now();
      stepTimes.push((now - last) / 1000);
      last = now;
    }
    if (e.type === 'executing') {
      running = e.nodeId ?? '';
      last = performance.now();
      rssAfter[e.nodeId] = process.memoryUsage().rss;
    }
  };
  const started = performance.now();
  const result = await createExecutor({ env }).execute(checked.value, { emit });
  const total = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await env.dispose();
  if (result.status !== 'success') throw new Error(`run ended with ${result.status}`);
  console.log(
    `txt2img bench: random-weight SD1.5, ${size}x${size}, ${values.steps} euler steps, CFG batch 2`,
  );
  console.log(`  gc exposed:          ${typeof Reflect.get(globalThis, 'gc') === 'function'}`);
  for (const [id, ms] of Object.entries(result.timings)) {
    console.log(
      `  node ${id.padEnd(3)} ${String(prompt[id] && Reflect.get(prompt[id]!, 'class_type')).padEnd(24)} ${(ms / 1000).toFixed(1)} s, peak RSS ${gib(peakByNode[id] ?? 0)}`,
    );
  }
  console.log(
    `  sampler steps:       ${stepTimes.map((t) => t.toFixed(2)).join(', ')} s (the first includes the UNet graph build and session load)`,
  );
  console.log(`  total:               ${total.toFixed(1)} s`);
  console.log(
    `  peak RSS:            ${gib(Math.max(peak, process.resourceUsage().maxRSS * 1024))} (sampled peak: JS heap ${gib(atPeak.heapUsed)}, ArrayBuffers ${gib(atPeak.arrayBuffers)})`,
  );
}

await (mode === 'make' ? makeCheckpoint() : runWorkflow());
