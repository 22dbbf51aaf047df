import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, encodeSafetensors, OnnxBuilder, Tensor } from '@momaflow/engine';
import { runModel } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointLoaderSimple } from '../diffusion/checkpoint-loader-simple';
import { CLIPTextEncode } from '../diffusion/clip-text-encode';
import { clipTokenizerKey, loadClipTokenizerFrom } from '../diffusion/clip-tokenizers';
import { CLIP_TOKENIZERS } from '../diffusion/diffusion-resources';
import type { ClipModel, Conditioning } from '../diffusion/diffusion-types';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from '../diffusion/test-support';
import { buildClipTextGraph, encodeText, loadClipTextFromLayout, tokenEmbeddings } from '../models/clip-text';
import { readEmbedding, tinyEmbeddingTensors } from '../models/embeddings';
import { WeightMap } from '../models/ldm-config';
import { parityError, torchFile, withSession } from '../models/ldm-config/test-support';
import { TINY_SD15_FILE } from '../models/tiny';
import { promptTokens } from './prompt-tokens';

let ws: TinyWorkspace;
let clip: ClipModel;
const embeddings = () => join(ws.env.dirs.models, 'embeddings');
const width = () => clip.config.hiddenSize;
const toy = () => tinyEmbeddingTensors('a1111', width(), 3, 2).emb_params!;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  clip = out[1];
  await mkdir(join(embeddings(), 'styles'), { recursive: true });
  await writeFile(
    join(embeddings(), 'toy.safetensors'),
    encodeSafetensors(tinyEmbeddingTensors('a1111', width(), 3, 2)),
  );
  await writeFile(
    join(embeddings(), 'styles', 'learned_embeds.bin.safetensors'),
    encodeSafetensors(tinyEmbeddingTensors('diffusers', width(), 4)),
  );
  await writeFile(
    join(embeddings(), 'wide.safetensors'),
    encodeSafetensors({ emb_params: Tensor.zeros('float32', [1, 1024]) }),
  );
});
afterAll(() => ws.dispose());

async function tokenizer() {
  return ws.env
    .resource(CLIP_TOKENIZERS)
    .get(clipTokenizerKey(clip.tokenizer), () => loadClipTokenizerFrom(clip.tokenizer));
}

async function encode(text: string): Promise<Conditioning> {
  const out = await CLIPTextEncode.run(recordingContext(ws.env).ctx, { text, clip });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out[0];
}

describe('textual-inversion files', () => {
  it('reads A1111 / kohya emb_params, diffusers single vectors and SDXL files’ clip_l', async () => {
    const path = join(embeddings(), 'toy.safetensors');
    expect((await readEmbedding(path, width())).vectors.data).toEqual(toy().data);
    const single = await readEmbedding(
      join(embeddings(), 'styles', 'learned_embeds.bin.safetensors'),
      width(),
    );
    expect(single).toMatchObject({ key: '<momaflow-toy>', vectors: { shape: [1, width()] } });
    const sdxl = join(embeddings(), 'sdxl.safetensors');
    await writeFile(
      sdxl,
      encodeSafetensors({
        clip_g: Tensor.zeros('float32', [2, 1280]),
        clip_l: Tensor.filled([2, width()], 0.5),
      }),
    );
    expect((await readEmbedding(sdxl, width())).key).toBe('clip_l');
  });

  it("reads A1111's .pt (string_to_param beside ints and strings) and diffusers' learned_embeds.bin", async () => {
    const pt = join(embeddings(), 'a1111.pt');
    const a1111 = {
      string_to_token: { '*': 265 },
      string_to_param: { '*': toy() },
      name: 'a1111',
      step: 3000,
      sd_checkpoint: 'e1441589',
      sd_checkpoint_name: null,
    };
    await writeFile(pt, torchFile(a1111, 'F32'));
    expect(await readEmbedding(pt, width())).toMatchObject({ key: 'string_to_param.*', vectors: toy() });
    const bin = join(embeddings(), 'learned_embeds.bin');
    const vector = toy().data.slice(0, width());
    await writeFile(bin, torchFile({ '<cat-toy>': new Tensor('float32', [width()], vector) }));
    const read = await readEmbedding(bin, width());
    expect(read.key).toBe('<cat-toy>');
    expect(read.vectors.data).toEqual(vector);
    const [a] = await encode('a photo of embedding:a1111');
    const [b] = await encode('a photo of embedding:toy');
    expect(a!.context.data).toEqual(b!.context.data);
  });

  it('refuses a file with several unknown tensors, naming them', async () => {
    const path = join(embeddings(), 'two.safetensors');
    await writeFile(
      path,
      encodeSafetensors({ a: Tensor.zeros('float32', [1, 4]), b: Tensor.zeros('float32', [1, 4]) }),
    );
    await expect(readEmbedding(path, width())).rejects.toThrow(/several tensors \(a, b\)/);
  });
});

describe('the text encoder input rows of a textual-inversion prompt', () => {
  it('are the embedding vectors at their positions and the token table elsewhere', async () => {
    const table = new Tensor(
      'float32',
      [5, 3],
      Float32Array.from({ length: 15 }, (_, i) => i),
    );
    const extra = new Tensor('float32', [2, 3], Float32Array.of(-1, -2, -3, -4, -5, -6));
    const b = OnnxBuilder.create();
    const ids = b.input('ids', 'int32', [1, 6]);
    const rows = tokenEmbeddings(b, b.initializer('table', table), ids, {
      vocabSize: 5,
      extra: b.input('extra', 'float32', ['rows', 3]),
    });
    b.output(rows, 'rows');
    const out = await runModel(b.build(), {
      ids: new Tensor('int32', [1, 6], Int32Array.of(0, 6, 4, 5, 6, 2)),
      extra,
    });
    expect(Array.from(out.rows!.data as Float32Array)).toEqual([
      0, 1, 2, -4, -5, -6, 12, 13, 14, -1, -2, -3, -4, -5, -6, 6, 7, 8,
    ]);
  });

  it('put the vectors after the text tokens as ComfyUI does, reusing rows for a repeated name', async () => {
    const tok = await tokenizer();
    const text = 'a photo of embedding:toy, on a beach embedding:toy';
    const tokens = await promptTokens({ env: ws.env, clip, tokenizer: tok, text, label: 'test' });
    const v = clip.config.vocabSize;
    const expected = [
      tok.bosId,
      ...tok.encode('a photo of'),
      v,
      v + 1,
      ...tok.encode(', on a beach'),
      v,
      v + 1,
      tok.eosId,
    ];
    expect(Array.from(tokens.ids.slice(0, expected.length))).toEqual(expected);
    expect(tokens.extra?.shape).toEqual([2, width()]);
    expect(tokens.extra?.data).toEqual(toy().data);
    expect(tokens.embeddings).toEqual(['toy', 'toy']);
  });

  it('give what a text encoder with the vectors appended to its token table gives', async () => {
    const [entry] = await encode('a photo of embedding:toy on a beach');
    const tok = await tokenizer();
    const { weights, config } = await loadClipTextFromLayout(clip.layout);
    const tensors = Object.fromEntries(
      weights.keys().map((k) => [k, weights.take(k, weights.shapeOf(k) ?? [])]),
    );
    const table = tensors['text_model.embeddings.token_embedding.weight']!;
    const vectors = toy();
    const grown = new Float32Array(table.size + vectors.size);
    grown.set(table.data);
    grown.set(vectors.data, table.size);
    tensors['text_model.embeddings.token_embedding.weight'] = new Tensor(
      'float32',
      [config.vocabSize + 2, width()],
      grown,
    );
    const v = config.vocabSize;
    const ids = tok.frame([...tok.encode('a photo of'), v, v + 1, ...tok.encode('on a beach')]).ids;
    const reference = await withSession(
      buildClipTextGraph(WeightMap.fromTensors('grown', tensors), { ...config, vocabSize: v + 2 }),
      (s) => encodeText(s, [ids]),
    );
    const err = parityError(entry!.context, reference);
    expect(err.maxDiff).toBeLessThanOrEqual(err.bound);
    const [plain] = await encode('a photo of on a beach');
    expect(parityError(plain!.context, reference).maxDiff).toBeGreaterThan(100 * err.bound);
  });

  it("puts the embedding files' identities in CLIPTextEncode's cache signature", async () => {
    const fingerprint = (text: string) => CLIPTextEncode.fingerprint!({ values: { text }, env: ws.env });
    expect(await fingerprint('a plain prompt')).toBe('');
    const before = await fingerprint('a embedding:toy, b embedding:nothing');
    expect(before).toMatch(/^toy,=[0-9a-f]{64}\|nothing=missing$/);
    await writeFile(
      join(embeddings(), 'toy.safetensors'),
      encodeSafetensors(tinyEmbeddingTensors('a1111', width(), 3, 2)),
    );
    expect(await fingerprint('a embedding:toy, b embedding:nothing')).not.toBe(before);
  });

  it('finds names with a subfolder and an extension, and leaves plain prompts as they were', async () => {
    const [a] = await encode('embedding:styles/learned_embeds.bin a cat');
    const [b] = await encode('embedding:styles/learned_embeds.bin.safetensors a cat');
    expect(a!.context.data).toEqual(b!.context.data);
    const tok = await tokenizer();
    const plain = await promptTokens({
      env: ws.env,
      clip,
      tokenizer: tok,
      text: 'a photo of a cat',
      label: 't',
    });
    expect(plain.extra).toBeUndefined();
    expect(plain.ids).toEqual(tok.tokenize('a photo of a cat').ids);
  });

  it.each([
    [
      'an unknown name',
      'a embedding:nothing here',
      'embedding_not_found',
      /^CLIPTextEncode input 'text': embedding 'nothing' not found in .*embeddings \(looked for nothing and nothing.safetensors, nothing.pt, nothing.bin\)/,
    ],
    [
      'a width the text encoder does not take',
      'embedding:wide',
      'embedding_width_mismatch',
      /^CLIPTextEncode input 'text': embedding 'wide': .*'emb_params' has shape \[1, 1024\]; this text encoder takes vectors of width 32/,
    ],
    ['a name leaving the folder', 'embedding:../escape', 'invalid_path', /contains '\.\.'/],
  ])('refuses %s, naming the node input', async (_what, text, code, message) => {
    const err = await encode(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe(code);
    expect((err as EngineError).message).toMatch(message);
  });
});
