import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AnyTensor,
  bfloat16ToFloat32Array,
  encodeSafetensors,
  float16ToFloat32Array,
  float32ToFloat16Array,
  type Tensor,
} from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** Bytes of a safetensors file storing every float tensor as bfloat16 (the writer has no BF16). */
function bf16Safetensors(tensors: Record<string, AnyTensor>): Uint8Array {
  const header: Record<string, unknown> = {};
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of Object.entries(tensors).sort(([a], [b]) => (a < b ? -1 : 1))) {
    let bytes: Uint8Array;
    if (t.dtype === 'float32') {
      const words = new Uint16Array(t.size);
      const bits = new Uint32Array(Float32Array.from(t.data).buffer);
      for (let i = 0; i < t.size; i++) words[i] = bits[i]! >>> 16; // truncation is a valid bf16 value
      bytes = new Uint8Array(words.buffer);
    } else {
      bytes = new Uint8Array(encodeSafetensors({ x: t }).buffer).slice(-t.size * 8);
    }
    header[key] = {
      dtype: t.dtype === 'float32' ? 'BF16' : 'I64',
      shape: t.shape,
      data_offsets: [offset, offset + bytes.length],
    };
    parts.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(
    JSON.stringify(header).padEnd(8 * Math.ceil(JSON.stringify(header).length / 8)),
  );
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

beforeAll(async () => {
  ws = await tinyWorkspace();
  const tensors: Record<string, AnyTensor> = { ...raw };
  for (const key of Object.keys(raw)) if (key.startsWith(UNET)) tensors[ldmEmaKey(key)] = ema[key]!;
  tensors['model_ema.num_updates'] = ema[PROBE.ldm]!;
  await writeFile(join(checkpoints(), 'trained.safetensors'), encodeSafetensors(tensors, { dtype: 'F16' }));
  await writeFile(join(checkpoints(), 'bf16.safetensors'), bf16Safetensors(raw));
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
    const bits = new Uint32Array(Float32Array.from(data).buffer);
    const expected = bfloat16ToFloat32Array(Uint16Array.from(bits, (b) => b >>> 16));
    expect(await probeOf(model as never)).toEqual(expected);
  });
});
