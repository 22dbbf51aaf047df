import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSafetensors, SessionCache, type Tensor, withWeightReader } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointLoaderSimple } from '../diffusion/checkpoint-loader-simple';
import { UNET_GRAPHS } from '../diffusion/diffusion-resources';
import type { ClipModel } from '../diffusion/diffusion-types';
import { encodePrompt } from '../diffusion/encode-prompt';
import { recordingContext, type TinyWorkspace, tinyWorkspace, wave } from '../diffusion/test-support';
import { buildClipTextGraph, encodeText, loadClipTextFromLayout } from '../models/clip-text';
import { WeightMap } from '../models/ldm-config';
import { mergedWeight, parityError, tuckerDown, withSession } from '../models/ldm-config/test-support';
import { type TinyLoraFormat, tinyLoraTensors } from '../models/lora';
import { sdModelShapes, TINY_SD15_FILE } from '../models/tiny';
import {
  createUnetModel,
  memoryUnetWeights,
  type UnetModel,
  UnetSession,
  unetWeightShapes,
} from '../models/unet';
import { LoraLoader, LoraLoaderModelOnly } from './lora-loaders';

let ws: TinyWorkspace;
let model: UnetModel;
let clip: ClipModel;
const loras = () => join(ws.env.dirs.models, 'loras');
const FILES = { kohya: 'style.safetensors', locon: 'texture-locon.safetensors' } as const;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  [model, clip] = [out[0], out[1]];
  await mkdir(loras(), { recursive: true });
  for (const [format, name] of Object.entries(FILES) as [TinyLoraFormat, string][]) {
    const bytes = encodeSafetensors(tinyLoraTensors(format, sdModelShapes(), 5), { dtype: 'F16' });
    await writeFile(join(loras(), name), bytes);
  }
});
afterAll(() => ws.dispose());

async function loraLoader(
  m: UnetModel,
  c: ClipModel,
  name: string,
  strengthModel: number,
  strengthClip: number,
) {
  const out = await LoraLoader.run(recordingContext(ws.env).ctx, {
    model: m,
    clip: c,
    lora_name: name,
    strength_model: strengthModel,
    strength_clip: strengthClip,
  });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return { model: out[0] as UnetModel, clip: out[1] as ClipModel };
}

const underscored = (s: string) => s.replaceAll('.', '_');

/**
 * The merged weights of `files` at their strengths, computed from the files directly: kohya / LoCon
 * module names are the weight's module with '_' for '.', scaled by alpha / rank, Tucker cores folded
 * into `down` by ComfyUI's formula.
 */
async function mergeFiles(
  weights: Record<string, Tensor<'float32'>>,
  prefix: string,
  files: readonly { name: string; strength: number }[],
): Promise<Record<string, Tensor<'float32'>>> {
  const byModule = new Map(Object.keys(weights).map((k) => [`${prefix}${underscored(k.slice(0, -7))}`, k]));
  const terms = new Map<
    string,
    { factors: { up: Tensor<'float32'>; down: Tensor<'float32'>; scale: number }; strength: number }[]
  >();
  for (const file of files) {
    await withWeightReader(join(loras(), file.name), async (reader) => {
      for (const key of reader.keys().filter((k) => k.endsWith('.lora_down.weight'))) {
        const module = key.slice(0, -'.lora_down.weight'.length);
        const target = byModule.get(module);
        if (target === undefined) continue;
        const mid = `${module}.lora_mid.weight`;
        const raw = await reader.readFloat32(key);
        const down = reader.has(mid) ? tuckerDown(raw, await reader.readFloat32(mid)) : raw;
        const up = await reader.readFloat32(`${module}.lora_up.weight`);
        const alpha = (await reader.readFloat32(`${module}.alpha`)).data[0]!;
        const list = terms.get(target) ?? [];
        list.push({ factors: { down, up, scale: alpha / (down.shape[0] ?? 1) }, strength: file.strength });
        terms.set(target, list);
      }
    });
  }
  return Object.fromEntries(
    Object.entries(weights).map(([k, w]) => [k, terms.has(k) ? mergedWeight(w, terms.get(k)!) : w]),
  );
}

async function noisePred(m: UnetModel): Promise<Tensor<'float32'>> {
  const sessions = SessionCache.create({ maxEntries: 1 });
  const unet = await UnetSession.open({ model: m, graphs: ws.env.resource(UNET_GRAPHS), sessions });
  try {
    const sample = wave([1, 4, 16, 16], 0.3);
    const context = wave([1, 77, m.config.crossAttentionDim], 1.1);
    return (await unet.run({ sample, timestep: 500, encoderHiddenStates: context })).noisePred;
  } finally {
    unet.release();
    await sessions.dispose();
  }
}

describe(LoraLoader.type, () => {
  it('gives the UNet of the merged weights W + s * alpha/rank * up @ down, for two stacked LoRAs', async () => {
    const first = await loraLoader(model, clip, FILES.kohya, 0.8, 1);
    const second = await loraLoader(first.model, first.clip, FILES.locon, -0.5, 1);
    expect(Object.keys(second.model.weights.inputs ?? {})).toEqual(['lora_0.strength', 'lora_1.strength']);
    const base = await model.weights.load();
    const tensors = Object.fromEntries(base.keys().map((k) => [k, base.take(k, base.shapeOf(k) ?? [])]));
    const merged = await mergeFiles(tensors, 'lora_unet_', [
      { name: FILES.kohya, strength: 0.8 },
      { name: FILES.locon, strength: -0.5 },
    ]);
    const reference = createUnetModel({
      config: model.config,
      weights: memoryUnetWeights('merged-loras', merged),
    });
    const err = parityError(await noisePred(second.model), await noisePred(reference));
    expect(err.maxDiff).toBeLessThanOrEqual(err.bound);
  });

  it("gives the text encoder of the merged weights, fed the LoRA's clip strength", async () => {
    const { clip: patched } = await loraLoader(model, clip, FILES.kohya, 1, 0.7);
    expect(patched.key).not.toBe(clip.key);
    expect(patched.weightPatches?.map((p) => Object.keys(p.inputs))).toEqual([['lora_0.strength']]);
    const { conditioning, tokens } = await encodePrompt(ws.env, patched, 'a photo of a cat');
    const { weights, config } = await loadClipTextFromLayout(clip.layout);
    const tensors = Object.fromEntries(
      weights.keys().map((k) => [k, weights.take(k, weights.shapeOf(k) ?? [])]),
    );
    const merged = await mergeFiles(tensors, 'lora_te_', [{ name: FILES.kohya, strength: 0.7 }]);
    const reference = await withSession(
      buildClipTextGraph(WeightMap.fromTensors('merged', merged), config),
      (s) => encodeText(s, [tokens.ids]),
    );
    const err = parityError(conditioning[0]!.context, reference);
    expect(err.maxDiff).toBeLessThanOrEqual(err.bound);
    const plain = await encodePrompt(ws.env, clip, 'a photo of a cat');
    expect(parityError(plain.conditioning[0]!.context, reference).maxDiff).toBeGreaterThan(100 * err.bound);
  });

  it('reuses the compiled graphs when only a strength changes', async () => {
    const a = await loraLoader(model, clip, FILES.kohya, 0.3, 0.3);
    const b = await loraLoader(model, clip, FILES.kohya, 0.9, -1);
    const graphs = ws.env.resource(UNET_GRAPHS);
    expect(graphs.keyOf(a.model)).toBe(graphs.keyOf(b.model));
    expect(graphs.keyOf(a.model)).not.toBe(graphs.keyOf(model));
    expect(a.clip.key).toBe(b.clip.key);
    expect(a.model.weights.inputs?.['lora_0.strength']?.data[0]).toBeCloseTo(0.3);
    expect(b.model.weights.inputs?.['lora_0.strength']?.data[0]).toBeCloseTo(0.9);
  });

  it('leaves the models as they are at strengths 0 and 0, as ComfyUI does', async () => {
    const out = await loraLoader(model, clip, FILES.kohya, 0, 0);
    expect(out.model).toBe(model);
    expect(out.clip).toBe(clip);
  });

  it('logs what the file holds that is not applied, by name', async () => {
    const tensors = tinyLoraTensors('kohya', sdModelShapes(), 6);
    const any = Object.values(tensors)[0]!;
    await writeFile(
      join(loras(), 'leftovers.safetensors'),
      encodeSafetensors(
        {
          ...tensors,
          'lora_unet_conv_in.dora_scale': any,
          'lora_unet_nowhere.lora_down.weight': any,
          'lora_unet_nowhere.lora_up.weight': any,
        },
        { dtype: 'F16' },
      ),
    );
    ws.lines.length = 0;
    await loraLoader(model, clip, 'leftovers.safetensors', 1, 1);
    expect(ws.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      "LoraLoader input 'lora_name': 'leftovers.safetensors': 1 keys in no LoRA format this loader reads, not applied: lora_unet_conv_in.dora_scale",
      "LoraLoader input 'lora_name': 'leftovers.safetensors': 1 modules patch weights this model does not have, not applied: lora_unet_nowhere",
    ]);
  });

  it('names the file and the misfit when a LoRA does not fit the model', async () => {
    const tensors = tinyLoraTensors('kohya', sdModelShapes(), 6);
    const key = 'lora_unet_down_blocks_1_attentions_0_proj_in.lora_up.weight';
    tensors[key] = tensors[key]!.reshape([32, 8, 1, 1]);
    await writeFile(join(loras(), 'misfit.safetensors'), encodeSafetensors(tensors, { dtype: 'F16' }));
    await expect(loraLoader(model, clip, 'misfit.safetensors', 1, 1)).rejects.toThrow(
      /^LoraLoader input 'lora_name': cannot load 'misfit\.safetensors': .*'lora_unet_down_blocks_1_attentions_0_proj_in' \(up \[32, 8, 1, 1\]/,
    );
  });
});

describe(LoraLoaderModelOnly.type, () => {
  it('patches the MODEL only and notes the text-encoder modules it leaves out', async () => {
    ws.lines.length = 0;
    const out = await LoraLoaderModelOnly.run(recordingContext(ws.env).ctx, {
      model,
      lora_name: FILES.kohya,
      strength_model: 1,
    });
    if (!Array.isArray(out)) throw new Error('expected plain outputs');
    const patched = out[0] as UnetModel;
    expect(Object.keys(patched.weights.inputs ?? {})).toEqual(['lora_0.strength']);
    const clipModules = Object.keys(tinyLoraTensors('kohya', sdModelShapes(), 5)).filter(
      (k) => k.endsWith('.lora_down.weight') && k.startsWith('lora_te_'),
    ).length;
    expect(ws.lines.map((l) => l.message)).toContainEqual(
      `LoraLoaderModelOnly input 'lora_name': '${FILES.kohya}': ${clipModules} text-encoder modules not applied (the loader patches the MODEL only)`,
    );
    expect(unetWeightShapes(patched.layout).size).toBeGreaterThan(0);
  });
});
