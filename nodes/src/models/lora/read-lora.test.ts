import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, encodeSafetensors, type Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdModelShapes } from '../tiny';
import { loraTargets } from './lora-targets';
import { loraModulesOf, readLora } from './read-lora';
import { type TinyLoraFormat, tinyLoraTensors } from './tiny-loras';

const models = sdModelShapes();
const targets = loraTargets(models);
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-lora-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function write(name: string, tensors: Record<string, Tensor<'float32'>>): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, encodeSafetensors(tensors, { dtype: 'F16' }));
  return path;
}

async function error(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(err)}`);
  return err;
}

/** Target key of each module, sorted: what a file patches. */
async function patched(format: TinyLoraFormat) {
  const plan = await readLora(
    await write(`${format}.safetensors`, tinyLoraTensors(format, models, 1)),
    targets,
  );
  expect(plan.unknown).toEqual([]);
  expect(plan.unmatched).toEqual([]);
  return plan;
}

describe(readLora.name, () => {
  it('maps kohya, LDM-named kohya, diffusers and PEFT files onto the same weights', async () => {
    const kohya = await patched('kohya');
    const keys = kohya.modules.map((m) => m.target.key).sort();
    expect(keys.length).toBeGreaterThan(20);
    expect(keys).toContain('down_blocks.1.attentions.0.proj_in.weight');
    expect(keys).toContain('up_blocks.1.attentions.1.transformer_blocks.0.attn2.to_out.0.weight');
    expect(keys).toContain('text_model.encoder.layers.1.mlp.fc2.weight');
    for (const format of ['kohya-ldm', 'diffusers', 'peft'] as const) {
      expect((await patched(format)).modules.map((m) => m.target.key).sort()).toEqual(keys);
    }
  });

  it('reads alpha / rank from kohya files and none from diffusers files', async () => {
    const kohya = await patched('kohya');
    expect(new Set(kohya.modules.map((m) => [m.rank, m.alpha].join('/')))).toEqual(new Set(['4/2']));
    const peft = await patched('peft');
    expect(new Set(peft.modules.map((m) => m.alpha))).toEqual(new Set([undefined]));
  });

  it("reads LoCon's conv factors and Tucker cores", async () => {
    const plan = await patched('locon');
    const conv1 = plan.modules.find((m) => m.target.key === 'down_blocks.0.resnets.0.conv1.weight');
    expect(conv1).toMatchObject({ name: 'lora_unet_down_blocks_0_resnets_0_conv1', rank: 4, alpha: 4 });
    expect(conv1?.mid).toBe('lora_unet_down_blocks_0_resnets_0_conv1.lora_mid.weight');
    const shortcut = plan.modules.find((m) => m.target.key.endsWith('conv_shortcut.weight'));
    expect(shortcut?.mid).toBeUndefined();
    expect(plan.modules.some((m) => m.target.key === 'down_blocks.0.downsamplers.0.conv.weight')).toBe(true);
  });

  it("maps diffusers' attention-processor files (to_q_lora, to_out_lora)", async () => {
    const plan = await patched('processor');
    expect(loraModulesOf(plan, 'clip')).toEqual([]);
    expect(plan.modules.map((m) => m.name)).toContain(
      'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.processor.to_out',
    );
    expect(plan.modules.find((m) => m.name.endsWith('attn1.processor.to_out'))?.target.key).toBe(
      'down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0.weight',
    );
  });

  it('lists keys of unknown formats and modules the model lacks by name', async () => {
    const tensors = tinyLoraTensors('kohya', models, 1);
    const any = Object.values(tensors)[0]!;
    const path = await write('leftovers.safetensors', {
      ...tensors,
      'lora_unet_down_blocks_1_attentions_0_proj_in.dora_scale': any,
      'lora_unet_mid_block_resnets_0_conv1.hada_w1_a': any,
      'lora_unet_mid_block_resnets_0_conv1.alpha': any,
      'lora_unet_input_blocks_99_1_proj_in.lora_down.weight': any,
      'lora_unet_input_blocks_99_1_proj_in.lora_up.weight': any,
    });
    const plan = await readLora(path, targets);
    expect(plan.unknown).toEqual([
      'lora_unet_down_blocks_1_attentions_0_proj_in.dora_scale',
      'lora_unet_mid_block_resnets_0_conv1.alpha',
      'lora_unet_mid_block_resnets_0_conv1.hada_w1_a',
    ]);
    expect(plan.unmatched).toEqual(['lora_unet_input_blocks_99_1_proj_in']);
  });

  it('names the module and both shapes when a LoRA does not fit the model', async () => {
    const tensors = tinyLoraTensors('kohya', models, 1);
    const key = 'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight';
    const [rank = 0, width = 0] = tensors[key]!.shape;
    tensors[key] = tensors[key]!.reshape([rank / 2, width * 2]);
    const err = await error(readLora(await write('misfit.safetensors', tensors), targets));
    expect(err.code).toBe('lora_shape_mismatch');
    expect(err.message).toContain(
      "'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k' (up [64, 4], down [2, 64]) does not fit 'down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight' [64, 32]",
    );
  });

  it('refuses a file that patches nothing in the model', async () => {
    const any = Object.values(tinyLoraTensors('kohya', models, 1))[0]!;
    const path = await write('sdxl.safetensors', {
      'lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': any,
      'lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_up.weight': any,
    });
    const err = await error(readLora(path, targets));
    expect(err.code).toBe('lora_empty');
    expect(err.message).toContain("'lora_te2_text_model_encoder_layers_0_mlp_fc1'");
  });

  it('refuses two modules patching one weight and a module without its up factor', async () => {
    const tensors = tinyLoraTensors('kohya', models, 1);
    const peft = tinyLoraTensors('peft', models, 2);
    const twin = Object.fromEntries(
      Object.entries(peft).filter(([k]) => k.startsWith('unet.down_blocks.1.attentions.0.proj_in')),
    );
    expect(
      (await error(readLora(await write('twins.safetensors', { ...tensors, ...twin }), targets))).message,
    ).toMatch(
      /'lora_unet_down_blocks_1_attentions_0_proj_in' and 'unet\.down_blocks\.1\.attentions\.0\.proj_in' both patch/,
    );
    const lone = Object.fromEntries(
      Object.entries(tensors).filter(([k]) => !k.endsWith('proj_out.lora_up.weight')),
    );
    expect((await error(readLora(await write('lone.safetensors', lone), targets))).message).toMatch(
      /proj_out' has no up factor/,
    );
  });
});
