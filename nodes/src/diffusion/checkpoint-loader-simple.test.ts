import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { comboOptions, EngineError, encodeSafetensors, Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SD15_FILE, TINY_SD15_SHAPE, tinySd15Tensors } from '../models/tiny';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from './test-support';

let ws: TinyWorkspace;
const checkpoints = () => join(ws.env.dirs.models, 'checkpoints');

beforeAll(async () => {
  ws = await tinyWorkspace();
});
afterAll(() => ws.dispose());

async function load(name: string) {
  const { ctx } = recordingContext(ws.env);
  const out = await CheckpointLoaderSimple.run(ctx, { ckpt_name: name });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out;
}

async function loadError(name: string): Promise<EngineError> {
  const err: unknown = await load(name).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(err)}`);
  return err;
}

/** A single file holding the tiny tensors with `edit` applied. */
async function writeEdited(
  name: string,
  edit: (t: ReturnType<typeof tinySd15Tensors>) => void,
): Promise<void> {
  const tensors = tinySd15Tensors(TINY_SD15_SHAPE, 7);
  edit(tensors);
  await writeFile(join(checkpoints(), name), encodeSafetensors(tensors, { dtype: 'F16' }));
  await writeFile(
    join(checkpoints(), name.replace('.safetensors', '.yaml')),
    await readFile(join(checkpoints(), 'momaflow-tiny-sd15.yaml')),
  );
}

describe('CheckpointLoaderSimple', () => {
  it('offers the checkpoints in models/checkpoints', async () => {
    const spec = CheckpointLoaderSimple.inputs.ckpt_name;
    expect(await comboOptions(spec, ws.env)).toContain(TINY_SD15_FILE);
  });

  it('loads MODEL, CLIP and VAE handles of a single-file checkpoint', async () => {
    const [model, clip, vae] = await load(TINY_SD15_FILE);
    expect(model.kind).toBe('sd1-unet');
    expect(model.config.crossAttentionDim).toBe(TINY_SD15_SHAPE.unet.context_dim);
    expect(clip).toMatchObject({ kind: 'sd1-clip', tokenizer: { kind: 'bundled' }, layer: -1 });
    expect(vae).toMatchObject({ kind: 'sd1-vae', config: { scalingFactor: 0.18215 } });
    expect(clip.key).toBe(vae.key);
    expect(Object.isFrozen(clip)).toBe(true);
  });

  it.each([TINY_SD15_FILE, 'momaflow-tiny-sd15.yaml'])(
    'changes its fingerprint when %s changes',
    async (file) => {
      const values = { ckpt_name: TINY_SD15_FILE };
      const before = await CheckpointLoaderSimple.fingerprint!({ values, env: ws.env });
      await utimes(join(checkpoints(), file), new Date(), new Date(Date.now() + 5000));
      expect(await CheckpointLoaderSimple.fingerprint!({ values, env: ws.env })).not.toBe(before);
    },
  );

  it('refuses names outside models/checkpoints when validating', async () => {
    const problems = await CheckpointLoaderSimple.validate!({
      values: { ckpt_name: '../escape.safetensors' },
      env: ws.env,
    });
    expect(problems).toEqual([{ input: 'ckpt_name', message: expect.stringMatching(/contains '\.\.'/) }]);
  });

  it('names the file when it is truncated', async () => {
    const bytes = await readFile(join(checkpoints(), TINY_SD15_FILE));
    await writeFile(join(checkpoints(), 'truncated.safetensors'), bytes.subarray(0, bytes.length / 2));
    const err = await loadError('truncated.safetensors');
    expect(err.message).toMatch(
      /^CheckpointLoaderSimple input 'ckpt_name': cannot load 'truncated\.safetensors': /,
    );
  });

  it('names the missing component of an incomplete file', async () => {
    await writeEdited('no-vae.safetensors', (t) => {
      for (const key of Object.keys(t)) if (key.startsWith('first_stage_model.')) delete t[key];
    });
    const err = await loadError('no-vae.safetensors');
    expect(err.code).toBe('checkpoint_incomplete');
    expect(err.message).toMatch(/no-vae\.safetensors has no VAE weights \('first_stage_model\.\*'\)/);
  });

  it('names a wrongly shaped weight', async () => {
    const key = 'cond_stage_model.transformer.text_model.final_layer_norm.weight';
    await writeEdited('bad-shape.safetensors', (t) => {
      t[key] = Tensor.filled([5], 1);
    });
    const err = await loadError('bad-shape.safetensors');
    expect(err.code).toBe('weight_shape_mismatch');
    expect(err.message).toContain('text_model.final_layer_norm.weight');
    expect(err.message).toContain('bad-shape.safetensors');
  });
});
