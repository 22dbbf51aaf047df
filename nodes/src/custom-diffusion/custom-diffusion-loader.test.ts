import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EngineError,
  encodeSafetensors,
  float16ToFloat32Array,
  float32ToFloat16Array,
  Tensor,
} from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointLoaderSimple } from '../diffusion/checkpoint-loader-simple';
import { clipTokenizerKey, loadClipTokenizerFrom } from '../diffusion/clip-tokenizers';
import { CLIP_TOKENIZERS } from '../diffusion/diffusion-resources';
import type { ClipModel } from '../diffusion/diffusion-types';
import { encodePrompt } from '../diffusion/encode-prompt';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from '../diffusion/test-support';
import { buildClipTextGraph, encodeText, loadClipTextFromLayout } from '../models/clip-text';
import { type TinyCustomDiffusionFormat, tinyCustomDiffusion } from '../models/custom-diffusion';
import { WeightMap } from '../models/ldm-config';
import { parityError, type TorchTestValue, torchFile, withSession } from '../models/ldm-config/test-support';
import { sdModelShapes, TINY_SD15_FILE } from '../models/tiny';
import type { UnetModel } from '../models/unet';
import { CustomDiffusionLoader } from './custom-diffusion-loader';

let ws: TinyWorkspace;
let model: UnetModel;
let clip: ClipModel;
const folder = () => join(ws.env.dirs.models, 'custom_diffusion');
const f16 = (t: Tensor<'float32'>) => float16ToFloat32Array(float32ToFloat16Array(t.data));

/** Write a tiny concept in `format` as `name` (a folder for the diffusers layout). */
async function writeConcept(format: TinyCustomDiffusionFormat, name: string, seed: number, tokens: string[]) {
  const files = tinyCustomDiffusion(format, sdModelShapes(), seed, tokens);
  if (format !== 'diffusers') {
    await writeFile(join(folder(), name), encodeSafetensors(files.weights, { dtype: 'F16' }));
    return files;
  }
  await mkdir(join(folder(), name), { recursive: true });
  await writeFile(
    join(folder(), name, 'pytorch_custom_diffusion_weights.safetensors'),
    encodeSafetensors(files.weights, { dtype: 'F16' }),
  );
  for (const [token, tensors] of Object.entries(files.tokenFiles)) {
    await writeFile(
      join(folder(), name, `${token}.safetensors`),
      encodeSafetensors(tensors, { dtype: 'F16' }),
    );
  }
  return files;
}

/** The nested dicts the trainers torch.save: `{unet: {<name>: W | {u, v}}, modifier_token: {...}}` or `{state_dict: {...}}`. */
function nested(
  format: TinyCustomDiffusionFormat,
  flat: Record<string, Tensor<'float32'>>,
): Record<string, TorchTestValue> {
  if (format === 'compvis') return { state_dict: flat };
  const unet: Record<string, TorchTestValue> = {};
  const modifier: Record<string, TorchTestValue> = {};
  for (const [key, t] of Object.entries(flat)) {
    if (key.startsWith('modifier_token.')) modifier[key.slice('modifier_token.'.length)] = t;
    else if (/\.[uv]$/.test(key)) {
      const name = key.slice('unet.'.length, -2);
      unet[name] = { ...(unet[name] as Record<string, TorchTestValue> | undefined), [key.slice(-1)]: t };
    } else unet[key.slice('unet.'.length)] = t;
  }
  return { unet, modifier_token: modifier };
}

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  [model, clip] = [out[0], out[1]];
  await mkdir(folder(), { recursive: true });
  await writeConcept('diffusers', 'cat', 11, ['<new1>']);
  await writeConcept('delta-bin', 'dog-delta.bin.safetensors', 12, ['<new2>']);
  await writeConcept('compvis', 'pair-compvis.safetensors', 13, ['<new1>', '<new2>']);
  await writeConcept('compressed', 'cat-compressed.safetensors', 14, ['<new1>']);
  // The same concepts as their trainers torch.save them.
  for (const [format, name, seed, tokens] of [
    ['delta-bin', 'dog-delta.bin', 12, ['<new2>']],
    ['compvis', 'delta_epoch=000004.ckpt', 13, ['<new1>', '<new2>']],
    ['compressed', 'cat-compressed-delta.bin', 14, ['<new1>']],
  ] as const) {
    const files = tinyCustomDiffusion(format, sdModelShapes(), seed, tokens);
    await writeFile(join(folder(), name), torchFile(nested(format, files.weights), 'F16'));
  }
});
afterAll(() => ws.dispose());

async function load(m: UnetModel, c: ClipModel, name: string, modifierTokens = '') {
  const out = await CustomDiffusionLoader.run(recordingContext(ws.env).ctx, {
    model: m,
    clip: c,
    custom_diffusion_name: name,
    modifier_tokens: modifierTokens,
  });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return { model: out[0] as UnetModel, clip: out[1] as ClipModel };
}

const kvKeys = (keys: readonly string[]) => keys.filter((k) => /\.attn2\.to_[kv]\.weight$/.test(k));

describe(CustomDiffusionLoader.type, () => {
  it('replaces exactly the cross-attention keys and values with the file’s, and nothing else', async () => {
    const base = await model.weights.load();
    const { model: patched, clip: withToken } = await load(model, clip, 'cat');
    const after = await patched.weights.load();
    const files = tinyCustomDiffusion('diffusers', sdModelShapes(), 11, ['<new1>']);
    const changed = kvKeys(base.keys());
    expect(changed.length).toBe(Object.keys(files.weights).length);
    for (const key of base.keys()) {
      const shape = base.shapeOf(key) ?? [];
      if (!changed.includes(key)) {
        expect(after.take(key, shape).data).toEqual(base.take(key, shape).data);
        continue;
      }
      const stored = key.replace(/\.(to_[kv])\.weight$/, '.processor.$1_custom_diffusion.weight');
      expect(after.take(key, shape).data).toEqual(f16(files.weights[stored]!));
      expect(after.take(key, shape).data).not.toEqual(base.take(key, shape).data);
    }
    expect(after.keys()).toEqual(base.keys());
    expect(withToken.addedTokens?.map((t) => t.text)).toEqual(['<new1>']);
    expect(withToken.key).toBe(clip.key);
  });

  it('reads the same weights from the delta.bin, CompVis and compressed layouts', async () => {
    const base = await model.weights.load();
    const key = kvKeys(base.keys())[0]!;
    const shape = base.shapeOf(key) ?? [];
    const dog = await (await load(model, clip, 'dog-delta.bin.safetensors')).model.weights.load();
    expect(dog.take(key, shape).data).toEqual(
      f16(tinyCustomDiffusion('delta-bin', sdModelShapes(), 12, []).weights[`unet.${key}`]!),
    );
    const pair = await load(model, clip, 'pair-compvis.safetensors');
    expect(pair.clip.addedTokens?.map((t) => t.text)).toEqual(['<new1>', '<new2>']);
    expect((await pair.model.weights.load()).take(key, shape).data).not.toEqual(base.take(key, shape).data);
    // Compressed: W0 + u @ v.
    const files = tinyCustomDiffusion('compressed', sdModelShapes(), 14, []);
    const [u, v] = [f16(files.weights[`unet.${key}.u`]!), f16(files.weights[`unet.${key}.v`]!)];
    const [out = 0, inF = 0] = shape;
    const w0 = base.take(key, shape).data;
    const expected = Float32Array.from({ length: out * inF }, (_, i) => {
      const [r, c] = [Math.floor(i / inF), i % inF];
      return w0[i]! + u[r * 2]! * v[c]! + u[r * 2 + 1]! * v[inF + c]!;
    });
    const got = (await (await load(model, clip, 'cat-compressed.safetensors')).model.weights.load()).take(
      key,
      shape,
    ).data;
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 6);
  });

  it('reads the torch.save layouts the same as their safetensors conversions', async () => {
    const base = await model.weights.load();
    for (const [bin, converted] of [
      ['dog-delta.bin', 'dog-delta.bin.safetensors'],
      ['delta_epoch=000004.ckpt', 'pair-compvis.safetensors'],
      ['cat-compressed-delta.bin', 'cat-compressed.safetensors'],
    ]) {
      const a = await load(model, clip, bin!);
      const b = await load(model, clip, converted!);
      const [wa, wb] = [await a.model.weights.load(), await b.model.weights.load()];
      for (const key of kvKeys(base.keys())) {
        const shape = base.shapeOf(key) ?? [];
        expect(wa.take(key, shape).data).toEqual(wb.take(key, shape).data);
      }
      expect(a.clip.addedTokens?.map((t) => [t.text, [...t.vectors.data]])).toEqual(
        b.clip.addedTokens?.map((t) => [t.text, [...t.vectors.data]]),
      );
    }
  });

  it('combines two concepts as W0 + (W1 - W0) + (W2 - W0), with both tokens', async () => {
    const base = await model.weights.load();
    const cat = await load(model, clip, 'cat');
    const both = await load(cat.model, cat.clip, 'dog-delta.bin.safetensors');
    expect(both.clip.addedTokens?.map((t) => t.text)).toEqual(['<new1>', '<new2>']);
    const after = await both.model.weights.load();
    const w1 = await cat.model.weights.load();
    const dog = tinyCustomDiffusion('delta-bin', sdModelShapes(), 12, []).weights;
    for (const key of kvKeys(base.keys())) {
      const shape = base.shapeOf(key) ?? [];
      const [w0, a] = [base.take(key, shape).data, w1.take(key, shape).data];
      const d = f16(dog[`unet.${key}`]!);
      expect(after.take(key, shape).data).toEqual(Float32Array.from(a, (x, i) => x + (d[i]! - w0[i]!)));
    }
  });

  it('puts the modifier token’s vector in the prompt, as a token table holding it would', async () => {
    const { clip: withToken } = await load(model, clip, 'cat');
    const { conditioning } = await encodePrompt(ws.env, withToken, 'a <new1> cat on a sofa');
    const tok = await ws.env
      .resource(CLIP_TOKENIZERS)
      .get(clipTokenizerKey(clip.tokenizer), () => loadClipTokenizerFrom(clip.tokenizer));
    const { weights, config } = await loadClipTextFromLayout(clip.layout);
    const tensors = Object.fromEntries(
      weights.keys().map((k) => [k, weights.take(k, weights.shapeOf(k) ?? [])]),
    );
    const table = tensors['text_model.embeddings.token_embedding.weight']!;
    const vector = f16(
      tinyCustomDiffusion('diffusers', sdModelShapes(), 11, ['<new1>']).tokenFiles['<new1>']!['<new1>']!,
    );
    const grown = new Float32Array(table.size + vector.length);
    grown.set(table.data);
    grown.set(vector, table.size);
    tensors['text_model.embeddings.token_embedding.weight'] = new Tensor(
      'float32',
      [config.vocabSize + 1, config.hiddenSize],
      grown,
    );
    const ids = tok.frame([...tok.encode('a'), config.vocabSize, ...tok.encode('cat on a sofa')]).ids;
    const reference = await withSession(
      buildClipTextGraph(WeightMap.fromTensors('grown', tensors), {
        ...config,
        vocabSize: config.vocabSize + 1,
      }),
      (s) => encodeText(s, [ids]),
    );
    const err = parityError(conditioning[0]!.context, reference);
    expect(err.maxDiff).toBeLessThanOrEqual(err.bound);
  });

  it('refuses a modifier token an earlier concept added, and takes new names for it', async () => {
    const cat = await load(model, clip, 'cat');
    const err = await load(cat.model, cat.clip, 'cat-compressed.safetensors').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toBe(
      "CustomDiffusionLoader input 'custom_diffusion_name': modifier token '<new1>' is already added to this CLIP by an earlier concept; give this one other names with 'modifier_tokens'",
    );
    const renamed = await load(cat.model, cat.clip, 'cat-compressed.safetensors', '<cat2>');
    expect(renamed.clip.addedTokens?.map((t) => t.text)).toEqual(['<new1>', '<cat2>']);
  });

  it('lists the keys it does not apply by name', async () => {
    const files = tinyCustomDiffusion('delta-bin', sdModelShapes(), 15, ['<new3>']);
    const anyKey = Object.keys(files.weights).find((k) => k.includes('attn2.to_k'))!;
    const attn1 = anyKey.replace('attn2', 'attn1');
    await writeFile(
      join(folder(), 'extra.safetensors'),
      encodeSafetensors({
        ...files.weights,
        [attn1]: files.weights[anyKey]!,
        'text_encoder.foo.weight': Tensor.zeros('float32', [2]),
      }),
    );
    ws.lines.length = 0;
    await load(model, clip, 'extra.safetensors');
    expect(ws.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      `CustomDiffusionLoader input 'custom_diffusion_name': 'extra.safetensors': 2 keys not applied: text_encoder.foo.weight, ${attn1}`,
    ]);
  });
});
