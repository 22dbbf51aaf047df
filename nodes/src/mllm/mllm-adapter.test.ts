import { join } from 'node:path';
import { EngineError, type NodeContext, Tensor, writeTorchFile } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingContext } from '../diffusion/test-support';
import type { LlavaModel } from '../models/llava';
import { type MomaAdapter, readMomaAdapter } from '../models/moma-adapter';
import { TINY_CLIP_VISION_DIR, TINY_LLAVA_DIR } from '../models/tiny';
import { momaAdapterKeyShapes } from '../models/tiny/llava-shapes';
import { MLLMAdapter } from './mllm-adapter';
import { MLLMLoader } from './mllm-loader';
import { type MllmWorkspace, mllmWorkspace } from './test-support';

let ws: MllmWorkspace;
let mllm: LlavaModel;
let adapter: MomaAdapter;

beforeAll(async () => {
  ws = await mllmWorkspace();
  const out = await MLLMLoader.run(recordingContext(ws.env).ctx, {
    mllm_name: TINY_LLAVA_DIR,
    vision_tower: TINY_CLIP_VISION_DIR,
    quantization: 'auto',
  });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  [mllm] = out;
  adapter = await readMomaAdapter(ws.tiny.adapter, 'tiny');
});
afterAll(() => ws.dispose());

/** A 48x64 RGB image batch with a different pattern per image. */
function images(batch: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', [batch, 48, 64, 3]);
  for (let i = 0; i < t.size; i++) t.data[i] = ((i * 7 + Math.floor(i / (48 * 64 * 3)) * 91) % 256) / 255;
  return t;
}

function run(ctx: NodeContext, inputs: Partial<Parameters<typeof MLLMAdapter.run>[1]> = {}) {
  return Promise.resolve()
    .then(() =>
      MLLMAdapter.run(ctx, {
        mllm,
        moma_adapter: adapter,
        image: images(1),
        subject: 'cat',
        prompt: 'A cat in autumn with falling leaves.',
        ...inputs,
      }),
    )
    .then((out) => {
      if (!Array.isArray(out)) throw new Error('expected plain outputs');
      return out[0];
    });
}

describe('MLLMAdapter', () => {
  it("turns an image, a subject and a prompt into MoMA's cond and uncond tokens, with progress", async () => {
    const { ctx, progress } = recordingContext(ws.env);
    const { cond, uncond } = await run(ctx);
    const { tokens, tokenDim } = adapter.imageProjection;
    expect(cond.shape).toEqual([1, tokens, tokenDim]);
    expect(uncond.shape).toEqual([1, tokens, tokenDim]);
    expect(cond.data.every(Number.isFinite)).toBe(true);
    expect(cond.data).not.toEqual(uncond.data);
    // One step per graph: the vision graph and each language stage.
    expect(progress.map((p) => p.value)).toEqual(progress.map((_, i) => i + 1));
    expect(progress.at(-1)?.value).toBe(progress.at(-1)?.max);
  });

  it('reads each image of a batch on its own', async () => {
    const ctx = recordingContext(ws.env).ctx;
    const both = await run(ctx, { image: images(2) });
    const first = await run(ctx, {
      image: new Tensor('float32', [1, 48, 64, 3], images(2).data.slice(0, 48 * 64 * 3)),
    });
    expect(both.cond.shape[0]).toBe(2);
    const per = first.cond.size;
    for (let i = 0; i < per; i++) expect(both.cond.data[i]).toBeCloseTo(first.cond.data[i]!, 5);
    expect(both.cond.data.slice(per)).not.toEqual(both.cond.data.slice(0, per));
  });

  it('depends on the prompt', async () => {
    const ctx = recordingContext(ws.env).ctx;
    const a = await run(ctx);
    const b = await run(ctx, { prompt: 'A cat wearing a red hat on the beach.' });
    expect(b.cond.data).not.toEqual(a.cond.data);
    expect(b.uncond.data).toEqual(a.uncond.data);
  });

  it('refuses an empty subject, at validation and at run time', async () => {
    const problems = await MLLMAdapter.validate!({ values: { subject: '  ' }, env: ws.env });
    expect(problems).toEqual([expect.objectContaining({ input: 'subject' })]);
    const err = await run(recordingContext(ws.env).ctx, { subject: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('invalid_input');
    expect((err as EngineError).message).toContain("MLLMAdapter input 'subject'");
  });

  it("refuses an adapter made for another LLM's width, naming both files", async () => {
    const sections = momaAdapterKeyShapes({
      ...{ llmHidden: 32, embedding: 8, tokens: 4, tokenDim: 32 },
      attention: [],
    });
    const path = join(ws.root, 'other-adapter.th');
    const tree = Object.fromEntries(
      Object.entries(sections).map(([name, shapes]) => [
        name,
        Object.fromEntries(
          [...shapes].map(([k, s]) => [
            k,
            {
              dtype: 'F32' as const,
              shape: s,
              bytes: () => new Uint8Array(4 * s.reduce((a, d) => a * d, 1)),
            },
          ]),
        ),
      ]),
    );
    // MoMA's file always has attention entries; one suffices for the structure check.
    tree.self_cross_attentions = {
      '0.to_k_ip.weight': { dtype: 'F32', shape: [4, 4], bytes: () => new Uint8Array(64) },
      '0.to_v_ip.weight': { dtype: 'F32', shape: [4, 4], bytes: () => new Uint8Array(64) },
    };
    await writeTorchFile(path, tree);
    const other = await readMomaAdapter(path, 'other');
    const err = await run(recordingContext(ws.env).ctx, { moma_adapter: other }).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('adapter_mismatch');
    expect((err as EngineError).message).toContain(path);
    expect((err as EngineError).message).toContain(mllm.checkpoint.dir);
  });

  it('stops between graphs when cancelled', async () => {
    const controller = new AbortController();
    const { ctx } = recordingContext(ws.env, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    const err = await run(ctx).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
  });

  it.each(['int8', 'int4'] as const)('runs the %s build of the same checkpoint', async (quantization) => {
    const out = await MLLMLoader.run(recordingContext(ws.env).ctx, {
      mllm_name: TINY_LLAVA_DIR,
      vision_tower: TINY_CLIP_VISION_DIR,
      quantization,
    });
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    const { cond } = await run(recordingContext(ws.env).ctx, { mllm: out[0] });
    expect(cond.data.every(Number.isFinite)).toBe(true);
  });
});
