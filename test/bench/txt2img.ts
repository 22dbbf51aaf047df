/**
 * Full-size txt2img benchmark: a random-weight SD1.5 checkpoint with the real shapes (a 2 GB fp16
 * single file without yaml, as v1-5-pruned-emaonly ships), run through `workflows/txt2img.json` on the
 * runtime `momaflow run` uses (same registry, node environment, thread count and caches):
 * CheckpointLoaderSimple -> CLIPTextEncode x2 -> KSampler (512x512, CFG batch 2) -> VAEDecode -> SaveImage.
 * Prints, per prompt: each node's seconds split into load / build / session / compute (from the
 * progress phases the nodes report), the sampler's steps, the time until the first step began, the
 * fixed overhead (total minus steps), peak RSS, the threads and the sessions created. Not a test.
 *   pnpm exec tsx test/bench/txt2img.ts make DIR            write DIR/models/checkpoints/random-sd15.safetensors
 *   pnpm exec tsx --expose-gc test/bench/txt2img.ts run DIR [--steps 3] [--size 512] [--repeat 1]
 *                                                           [--keep-sessions] [--cache-ram GiB] [--reference] [--threads N]
 * `make` streams the file tensor by tensor, so it never holds the model; run `run` as its own process
 * so the peak RSS is the workflow's. Graphs and optimised models are cached under DIR/temp: delete it
 * for a cold run. Idle sessions are closed before the next is created, as `momaflow run` does;
 * `--keep-sessions` keeps them within the RAM budget `momaflow serve` gives them (its default, or
 * `--cache-ram GiB` as on serve, which implies `--keep-sessions`). `--repeat N` runs N prompts with
 * different seeds in one process (with `--keep-sessions`: the server's case; each prompt prints the
 * sessions it created and closed). `--reference` times the
 * checkpoint's UNet right after each prompt, as `unet.ts` does (same session options, fixed inputs),
 * so the workflow's step is compared with it in one run.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createLogger,
  type ExecutionEvent,
  float32ToFloat16Array,
  type ProgressPhase,
  parseCacheRam,
  toPrompt,
  validatePrompt,
} from '@momaflow/engine';
import { createRuntime } from '@momaflow/server';
import {
  LDM_CLIP_TEXT_PREFIX,
  ldmClipTextShapes,
  ldmUnetShapes,
  ldmVaeShapes,
  SD15_SHAPE,
  seededWeight,
} from '../../nodes/src/models/tiny/index';
import { loadUnet } from '../../nodes/src/models/unet/index';
import { splitRun, type TimedEvent } from './phase-split';
import { median, timeUnetSteps } from './unet-steps';

const CHECKPOINT = 'random-sd15.safetensors';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '3' },
    size: { type: 'string', default: '512' },
    repeat: { type: 'string', default: '1' },
    reference: { type: 'boolean', default: false },
    'keep-sessions': { type: 'boolean', default: false },
    'cache-ram': { type: 'string' },
    threads: { type: 'string' },
  },
});
const [mode, dir] = positionals;
if ((mode !== 'make' && mode !== 'run') || dir === undefined) {
  throw new Error(
    'usage: txt2img.ts make DIR | run DIR [--steps N] [--size PX] [--repeat N] [--keep-sessions] [--cache-ram GiB] [--reference] [--threads N]',
  );
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

const PHASES: readonly ProgressPhase[] = ['load', 'build', 'session', 'compute'];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function runWorkflow(): Promise<void> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const sessionsCreated: string[] = [];
  let sessionsClosed = 0;
  const cacheRam = values['cache-ram'];
  const runtime = await createRuntime({
    root: dir!,
    threads: values.threads === undefined ? undefined : Number(values.threads),
    // As `momaflow run` (0), or as `momaflow serve` (its default budget, or `--cache-ram`).
    cacheRamBytes:
      cacheRam !== undefined
        ? parseCacheRam(cacheRam, '--cache-ram')
        : values['keep-sessions']
          ? undefined
          : 0,
    log: createLogger((_level, message, data) => {
      if (message === 'closing idle onnx sessions') sessionsClosed += (data.keys as unknown[]).length;
      if (message !== 'onnx session created') return;
      sessionsCreated.push(`${String(data.seconds)} s from ${String(data.from)}, ${gib(Number(data.bytes))}`);
    }),
  });
  const { registry, env } = runtime;
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
  console.log(
    `txt2img bench: random-weight SD1.5, ${size}x${size}, ${values.steps} euler steps, CFG batch 2, ` +
      `threads ${env.compute.threads}, idle sessions ${env.compute.sessionRamBytes === 0 ? 'closed (as run)' : `kept within ${gib(env.compute.sessionRamBytes)} (as serve)`}, gc exposed ${typeof Reflect.get(globalThis, 'gc') === 'function'}`,
  );
  // Steps after each prompt's first, and the reference's, over every prompt: the 1.1x comparison.
  const allSteps: number[] = [];
  const allReference: number[] = [];
  for (let r = 0; r < Number(values.repeat); r++) {
    Object.assign(prompt['3']!.inputs, { seed: 1000 + r });
    const checked = await validatePrompt(prompt, { registry, env });
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const events: TimedEvent[] = [];
    const emit = (event: ExecutionEvent) => events.push({ at: performance.now(), event });
    const loadBefore = load();
    peak = 0;
    sessionsCreated.length = 0;
    sessionsClosed = 0;
    const result = await runtime.executor.execute(checked.value, { emit });
    if (result.status !== 'success') throw new Error(`run ended with ${result.status}`);
    const split = splitRun(events, '3');
    const steps = split.steps.reduce((a, b) => a + b, 0);
    console.log(`prompt ${r + 1} (load average ${loadBefore} before, ${load()} after)`);
    console.log(`  node                            total     ${PHASES.map((p) => p.padStart(8)).join('')}`);
    for (const n of split.nodes) {
      console.log(
        `  ${n.nodeId.padEnd(3)} ${n.classType.padEnd(24)} ${n.seconds.toFixed(1).padStart(7)} s ${PHASES.map((p) => n.phases[p].toFixed(1).padStart(8)).join('')}`,
      );
    }
    console.log(`  sampler steps:       ${split.steps.map((t) => t.toFixed(2)).join(', ')} s`);
    console.log(
      `  total ${split.total.toFixed(1)} s; fixed overhead (total - steps) ${(split.total - steps).toFixed(1)} s; first step began after ${split.untilFirstStep?.toFixed(1)} s`,
    );
    console.log(
      `  peak RSS:            ${gib(peak)} (process max so far ${gib(process.resourceUsage().maxRSS * 1024)})`,
    );
    console.log(
      `  sessions created:    ${sessionsCreated.length} (${sessionsCreated.join('; ') || 'none'}); idle sessions closed: ${sessionsClosed}`,
    );
    allSteps.push(...split.steps.slice(1));
    if (values.reference) {
      const model = await loadUnet(join(dirs.models, 'checkpoints', CHECKPOINT));
      const t = await timeUnetSteps({ env, model, steps: 3, latentSize: size / 8 });
      allReference.push(...t.times);
      const workflowStep = median(split.steps.slice(1));
      const referenceStep = median(t.times);
      console.log(
        `  reference (unet.ts step, same session options): session ${t.sessionSeconds.toFixed(1)} s, first call ${t.firstStep.toFixed(2)} s, ` +
          `then ${t.times.map((x) => x.toFixed(2)).join(', ')} s; workflow step ${workflowStep.toFixed(2)} s = ` +
          `${(workflowStep / referenceStep).toFixed(2)}x the reference (load ${load()})`,
      );
    }
  }
  if (values.reference && Number(values.repeat) > 1) {
    const w = median(allSteps);
    const ref = median(allReference);
    console.log(
      `all prompts: workflow step median ${w.toFixed(2)} s (${allSteps.length} steps after each prompt's first), ` +
        `reference median ${ref.toFixed(2)} s (${allReference.length}) = ${(w / ref).toFixed(2)}x`,
    );
  }
  clearInterval(sampler);
  await runtime.dispose();
}

await (mode === 'make' ? makeCheckpoint() : runWorkflow());
