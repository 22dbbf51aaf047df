import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodeEnv, EngineError, type NodeContext } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingContext } from '../diffusion/test-support';
import { TINY_CLIP_VISION_DIR, TINY_LLAVA_DIR } from '../models/tiny';
import { listMllmModels, listVisionTowers } from './list-mllm-files';
import { BUNDLED_TOWER, MLLMLoader } from './mllm-loader';
import { type MllmWorkspace, mllmWorkspace } from './test-support';

let ws: MllmWorkspace;
beforeAll(async () => {
  ws = await mllmWorkspace();
});
afterAll(() => ws.dispose());

const load = (ctx: NodeContext, inputs: Partial<Parameters<typeof MLLMLoader.run>[1]> = {}) =>
  Promise.resolve().then(() =>
    MLLMLoader.run(ctx, {
      mllm_name: TINY_LLAVA_DIR,
      vision_tower: TINY_CLIP_VISION_DIR,
      quantization: 'auto',
      ...inputs,
    }),
  );

async function errorOf(work: Promise<unknown>): Promise<EngineError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(err)}`);
  return err;
}

describe('MLLM file lists', () => {
  it('offers LLaVA folders and vision towers (folders and bare files)', async () => {
    await writeFile(join(ws.env.dirs.models, 'clip_vision', 'clip-l-336.safetensors'), '');
    await mkdir(join(ws.env.dirs.models, 'mllm', 'notes'), { recursive: true });
    expect(await listMllmModels(join(ws.env.dirs.models, 'mllm'))).toEqual([TINY_LLAVA_DIR]);
    expect(await listVisionTowers(join(ws.env.dirs.models, 'clip_vision'))).toEqual([
      'clip-l-336.safetensors',
      TINY_CLIP_VISION_DIR,
    ]);
    await rm(join(ws.env.dirs.models, 'clip_vision', 'clip-l-336.safetensors'));
  });
});

describe('MLLMLoader', () => {
  it('loads the tiny LLaVA (auto: fp32) and reports the graph build as it goes', async () => {
    const { ctx, progress } = recordingContext(ws.env);
    const out = await load(ctx);
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    const [model] = out;
    expect(model.kind).toBe('llava');
    expect(model.quantization.precision).toBe('fp32');
    expect(progress.length).toBeGreaterThan(2);
    const last = progress.at(-1)!;
    expect(last.value).toBe(last.max);
    expect(progress.every((p, i) => i === 0 || p.value >= progress[i - 1]!.value)).toBe(true);
  });

  it('finds the built graphs on disk in a new environment: no build, no progress', async () => {
    const again = createNodeEnv({ dirs: ws.env.dirs, log: ws.env.log });
    try {
      const { ctx, progress } = recordingContext(again);
      await load(ctx);
      expect(progress).toEqual([]);
    } finally {
      await again.dispose();
    }
  });

  it('stops a build when cancelled and leaves no half-built graphs behind', async () => {
    const controller = new AbortController();
    controller.abort();
    const { ctx } = recordingContext(ws.env, { signal: controller.signal });
    const err = await load(ctx, { quantization: 'int8' }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    const { ctx: fresh, progress } = recordingContext(ws.env);
    await load(fresh, { quantization: 'int8' });
    expect(progress.length).toBeGreaterThan(0);
  });

  it.each([
    ['a missing checkpoint', { mllm_name: 'nope' }, 'file_not_found', "MLLMLoader input 'mllm_name'"],
    [
      'a path out of the folder',
      { mllm_name: '../checkpoints' },
      'invalid_path',
      "MLLMLoader input 'mllm_name'",
    ],
    [
      'a bundled tower the checkpoint lacks',
      { vision_tower: BUNDLED_TOWER },
      'vision_tower_missing',
      "MLLMLoader input 'vision_tower'",
    ],
    ['a missing tower', { vision_tower: 'nope' }, 'file_not_found', "MLLMLoader input 'vision_tower'"],
  ])('refuses %s, naming the input', async (_what, inputs, code, label) => {
    const err = await errorOf(load(recordingContext(ws.env).ctx, inputs));
    expect(err.code).toBe(code);
    expect(err.message).toContain(label);
  });

  it('names the input and the file when the checkpoint is broken', async () => {
    const broken = join(ws.env.dirs.models, 'mllm', 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'config.json'), '{"mm_projector_type": "resampler"}');
    await writeFile(join(broken, 'tokenizer.model'), '');
    const err = await errorOf(load(recordingContext(ws.env).ctx, { mllm_name: 'broken' }));
    expect(err.code).toBe('unsupported_model_config');
    expect(err.message).toContain("MLLMLoader input 'mllm_name'");
    expect(err.message).toContain(join(broken, 'config.json'));
  });

  it('validates the names before running', async () => {
    const problems = await MLLMLoader.validate!({
      values: { mllm_name: 'nope', vision_tower: BUNDLED_TOWER },
      env: ws.env,
    });
    expect(problems.map((p) => p.input)).toEqual(['mllm_name']);
  });
});
