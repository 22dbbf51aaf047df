import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AnyTensor,
  bfloat16ToFloat32Array,
  encodeSafetensors,
  float16ToFloat32Array,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  type Tensor,
} from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { torchFile } from '../models/ldm-config/test-support';
import { TINY_SD15_SHAPE, tinySd15Tensors } from '../models/tiny';
import { ldmEmaKey } from '../models/unet';
import { CheckpointLoaderEMA } from './checkpoint-loader-ema';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from './test-support';

let ws: TinyWorkspace;
const checkpoints = () => join(ws.env.dirs.models, 'checkpoints');
const UNET = 'model.diffusion_model.';
/** One UNet weight and its diffusers name, to compare what the MODEL reads. */
const PROBE = {
  ldm: `${UNET}input_blocks.3.1.proj_in.weight`,
  diffusers: 'down_blocks.1.attentions.0.proj_in.weight',
};

const raw = tinySd15Tensors(TINY_SD15_SHAPE, 3);
const ema = tinySd15Tensors(TINY_SD15_SHAPE, 4);

function asF16(t: AnyTensor): Float32Array {
  return float16ToFloat32Array(float32ToFloat16Array((t as Tensor<'float32'>).data));
}

beforeAll(async () => {
  ws = await tinyWorkspace();
  const tensors: Record<string, AnyTensor> = { ...raw };
  for (const key of Object.keys(raw)) if (key.startsWith(UNET)) tensors[ldmEmaKey(key)] = ema[key]!;
  tensors['model_ema.num_updates'] = ema[PROBE.ldm]!;
  await writeFile(join(checkpoints(), 'trained.safetensors'), encodeSafetensors(tensors, { dtype: 'F16' }));
  await writeFile(join(checkpoints(), 'bf16.safetensors'), encodeSafetensors(raw, { dtype: 'BF16' }));
  // A training checkpoint as LDM's trainers save it: torch.save({'state_dict': ..., 'global_step': ...}).
  const floats = Object.fromEntries(
    Object.entries(tensors).filter((e): e is [string, Tensor<'float32'>] => e[1].dtype === 'float32'),
  );
  await writeFile(
    join(checkpoints(), 'trained.ckpt'),
    torchFile({ state_dict: floats, global_step: 1200, epoch: 3 }, 'F16'),
  );
  const yaml = await readFile(join(checkpoints(), 'momaflow-tiny-sd15.yaml'));
  for (const name of ['trained', 'bf16']) await writeFile(join(checkpoints(), `${name}.yaml`), yaml);
});
afterAll(() => ws.dispose());

async function probeOf(model: {
  weights: { load(): Promise<{ take(k: string, s: number[]): Tensor<'float32'> }> };
}) {
  const shape = [...(raw[PROBE.ldm]?.shape ?? [])];
  return (await model.weights.load()).take(PROBE.diffusers, shape).data;
}

describe(CheckpointLoaderEMA.type, () => {
  it('reads the UNet from model_ema.* and says so in the log', async () => {
    ws.lines.length = 0;
    const { ctx } = recordingContext(ws.env);
    const [model] = (await CheckpointLoaderEMA.run(ctx, {
      ckpt_name: 'trained.safetensors',
      unet_weights: 'ema',
    })) as unknown[];
    expect(await probeOf(model as never)).toEqual(asF16(ema[PROBE.ldm]!));
    expect(ws.lines.map((l) => l.message)).toContainEqual(
      expect.stringMatching(
        /'trained\.safetensors': using the UNet's EMA weights \(\d+ model_ema\.\* tensors\)/,
      ),
    );
  });

  it("reads the raw weights with 'non-ema'", async () => {
    const { ctx } = recordingContext(ws.env);
    const [model] = (await CheckpointLoaderEMA.run(ctx, {
      ckpt_name: 'trained.safetensors',
      unet_weights: 'non-ema',
    })) as unknown[];
    expect(await probeOf(model as never)).toEqual(asF16(raw[PROBE.ldm]!));
  });

  it('falls back to the UNet weights of a file without EMA, with a note', async () => {
    ws.lines.length = 0;
    const { ctx } = recordingContext(ws.env);
    await CheckpointLoaderEMA.run(ctx, { ckpt_name: 'bf16.safetensors', unet_weights: 'ema' });
    expect(ws.lines.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/the file has no EMA weights; using its UNet weights/),
    );
  });
});

describe('checkpoint weights as published', () => {
  it('reads a .ckpt through the safe reader, state_dict nesting and all, EMA or not', async () => {
    const { ctx } = recordingContext(ws.env);
    const run = async (unet_weights: 'ema' | 'non-ema') => {
      const out = (await CheckpointLoaderEMA.run(ctx, {
        ckpt_name: 'trained.ckpt',
        unet_weights,
      })) as unknown[];
      return probeOf(out[0] as never);
    };
    expect(await run('ema')).toEqual(asF16(ema[PROBE.ldm]!));
    expect(await run('non-ema')).toEqual(asF16(raw[PROBE.ldm]!));
  });

  it('CheckpointLoaderSimple uses the raw weights and logs the EMA copy and the ignored keys', async () => {
    ws.lines.length = 0;
    const { ctx } = recordingContext(ws.env);
    const [model] = (await CheckpointLoaderSimple.run(ctx, {
      ckpt_name: 'trained.safetensors',
    })) as unknown[];
    expect(await probeOf(model as never)).toEqual(asF16(raw[PROBE.ldm]!));
    const unetCount = Object.keys(raw).filter((k) => k.startsWith(UNET)).length;
    const messages = ws.lines.map((l) => l.message);
    expect(messages).toContainEqual(
      expect.stringContaining(`the file also has EMA weights (${unetCount} model_ema.* tensors), not used`),
    );
    expect(messages).toContainEqual(
      expect.stringContaining(
        `ignored ${unetCount + 1} keys SD1.x does not read: model_ema.* (${unetCount + 1})`,
      ),
    );
  });

  it('reads bfloat16 weights, widened exactly', async () => {
    const { ctx } = recordingContext(ws.env);
    const [model] = (await CheckpointLoaderSimple.run(ctx, { ckpt_name: 'bf16.safetensors' })) as unknown[];
    const data = (raw[PROBE.ldm] as Tensor<'float32'>).data;
    const expected = bfloat16ToFloat32Array(float32ToBfloat16Array(data));
    expect(await probeOf(model as never)).toEqual(expected);
  });
});
