/**
 * Parity with the `mllm.*` and `moma.ip_tokens_*` groups of the shared fixtures, through the
 * production path (checkpoint loaders, the on-disk graph cache, the staged prefill, MoMA's head), in
 * float32, from the real file layouts of `tiny-moma/`: LLaVA's own `.bin` with the CLIP tower beside
 * it, and the same weights rewritten in llava-hf's layout (safetensors shards, index, bundled tower).
 * Every shape and the prompt come from the fixture files.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnyTensor,
  createLogger,
  createNodeEnv,
  type NodeEnv,
  openWeights,
  SessionCache,
  Tensor,
  writeSafetensors,
} from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePromptTokens } from '../../mllm/image-prompt-head';
import { momaLlavaPrompt } from '../../mllm/moma-prompt';
import { loadClipVision } from '../clip-vision';
import { readMomaAdapter } from '../moma-adapter';
import { loadLlamaTokenizer } from '../tokenizers/sentencepiece';
import { fixturePath, parityError, readVectors, readVectorsJson } from '../unet/test-fixtures';
import { LlavaGraphCache } from './llava-graph-cache';
import { createLlavaModel, type LlavaModel } from './llava-model';
import { llavaPrefill } from './llava-prefill';
import { splitAtImage } from './llava-prompt';
import { loadLlava } from './load-llava';

const NAMES = [
  'mllm.input_ids',
  'mllm.pixel_values',
  'mllm.vision_features',
  'mllm.last_hidden_state',
  'mllm.embedding',
  'moma.ip_tokens_cond',
  'moma.ip_tokens_uncond',
] as const;
type Name = (typeof NAMES)[number];

let root: string;
let env: NodeEnv;
let sessions: SessionCache;
let vectors: Record<Name, Tensor<'float32'> | Tensor<'int64'>>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-llava-parity-'));
  const dirs = { input: root, output: root, temp: join(root, 'temp'), models: root };
  env = createNodeEnv({ dirs, log: createLogger(() => {}) });
  sessions = SessionCache.create({ maxEntries: 8, defaults: { intraOpNumThreads: 1 } });
  vectors = (await readVectors(NAMES)) as typeof vectors;
});
afterAll(async () => {
  await sessions.dispose();
  await env.dispose();
  await rm(root, { recursive: true, force: true });
});

const f32 = (name: Name): Tensor<'float32'> => {
  const t = vectors[name];
  if (t.dtype !== 'float32') throw new Error(`${name} is not float32`);
  return t;
};

/** Rewrites the fixture's LLaVA + tower as llava-hf would save them: two safetensors shards and an index. */
async function llavaHfCopy(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const own = await openWeights(fixturePath('tiny-moma', 'llava', 'pytorch_model.bin'));
  const tower = await openWeights(fixturePath('tiny-moma', 'clip_vision', 'model.safetensors'));
  const language: Record<string, AnyTensor> = {};
  const rest: Record<string, AnyTensor> = {};
  for (const key of own.keys()) {
    const projector = /^model\.mm_projector\.([02])\.(.+)$/.exec(key);
    if (projector)
      rest[`multi_modal_projector.linear_${projector[1] === '0' ? 1 : 2}.${projector[2]}`] =
        await own.read(key);
    else language[`language_model.${key}`] = await own.read(key);
  }
  for (const key of tower.keys()) rest[`vision_tower.${key}`] = await tower.read(key);
  await own.close();
  await tower.close();
  const shards = { 'model-00001-of-00002.safetensors': language, 'model-00002-of-00002.safetensors': rest };
  const weightMap: Record<string, string> = {};
  for (const [file, tensors] of Object.entries(shards)) {
    await writeSafetensors(join(dir, file), tensors, { dtype: 'F16' });
    for (const key of Object.keys(tensors)) weightMap[key] = file;
  }
  await writeFile(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  const ownConfig = JSON.parse(
    await readFile(fixturePath('tiny-moma', 'llava', 'config.json'), 'utf8'),
  ) as Record<string, unknown>;
  const {
    mm_projector_type,
    mm_vision_select_layer,
    mm_vision_select_feature,
    mm_hidden_size,
    image_aspect_ratio,
    mm_vision_tower,
    ...text
  } = ownConfig;
  const hfConfig = {
    architectures: ['LlavaForConditionalGeneration'],
    model_type: 'llava',
    text_config: { ...text, model_type: 'llama' },
    vision_config: JSON.parse(await readFile(fixturePath('tiny-moma', 'clip_vision', 'config.json'), 'utf8')),
    vision_feature_layer: mm_vision_select_layer,
    vision_feature_select_strategy: mm_vision_select_feature === 'patch' ? 'default' : 'full',
    projector_hidden_act: 'gelu',
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(hfConfig));
  await copyFile(fixturePath('tiny-moma', 'llava', 'tokenizer.model'), join(dir, 'tokenizer.model'));
}

async function ownLayout(): Promise<LlavaModel> {
  const checkpoint = await loadLlava(fixturePath('tiny-moma', 'llava'));
  const tower = await loadClipVision(fixturePath('tiny-moma', 'clip_vision'));
  return createLlavaModel({ checkpoint, tower, precision: 'fp32', identities: ['fixture-own'] });
}

async function hfLayout(): Promise<LlavaModel> {
  const dir = join(root, 'llava-hf');
  await llavaHfCopy(dir);
  const checkpoint = await loadLlava(dir);
  expect(checkpoint.config.layout).toBe('llava-hf');
  expect(checkpoint.weights.files).toHaveLength(2);
  if (checkpoint.bundledTower === undefined) throw new Error('the llava-hf copy should bundle its tower');
  return createLlavaModel({
    checkpoint,
    tower: checkpoint.bundledTower,
    precision: 'fp32',
    identities: ['fixture-hf'],
  });
}

describe.each([
  ["LLaVA's own layout (.bin + CLIP vision folder)", ownLayout],
  ['the llava-hf layout (sharded safetensors, index, bundled tower)', hfLayout],
])('LLaVA parity from %s', (_layout, load) => {
  let model: LlavaModel;
  let out: Awaited<ReturnType<typeof llavaPrefill>>;
  beforeAll(async () => {
    model = await load();
    const compiled = await LlavaGraphCache.create({ cacheDir: join(root, 'graphs') }).compile(model);
    const prompt = await readVectorsJson('mllm.prompt');
    if (typeof prompt !== 'string') throw new Error('vectors.json lacks mllm.prompt');
    const llama = await loadLlamaTokenizer(model.checkpoint.tokenizerPath);
    const ids = llama.tokenizeWithImageToken(prompt);
    expect(ids).toEqual(Array.from(vectors['mllm.input_ids'].data, Number));
    out = await llavaPrefill(
      { pixelValues: f32('mllm.pixel_values'), ids: splitAtImage(ids) },
      { compiled, sessions },
    );
  });

  it('reproduces vision_features (hidden_states[-2] without CLS)', () => {
    expect(out.visionFeatures.shape).toEqual(f32('mllm.vision_features').shape);
    const e = parityError(out.visionFeatures.data, f32('mllm.vision_features').data);
    expect(e.maxAbs).toBeLessThanOrEqual(e.bound);
  });

  it('reproduces last_hidden_state (image features spliced at <image>, final RMSNorm)', () => {
    expect(out.lastHiddenState.shape).toEqual(f32('mllm.last_hidden_state').shape);
    const e = parityError(out.lastHiddenState.data, f32('mllm.last_hidden_state').data);
    expect(e.maxAbs).toBeLessThanOrEqual(e.bound);
  });

  it("reproduces the embedding and MoMA's image-prompt tokens", async () => {
    const adapter = await readMomaAdapter(fixturePath('tiny-moma', 'attn_adapters_projectors.th'), 'fixture');
    const [, tokens = 0, hidden = 0] = out.lastHiddenState.shape;
    const last = out.lastHiddenState.data.slice((tokens - 1) * hidden);
    const head = await imagePromptTokens(env, adapter, new Tensor('float32', [1, hidden], last));
    for (const [got, name] of [
      [head.embedding, 'mllm.embedding'],
      [head.cond, 'moma.ip_tokens_cond'],
      [head.uncond, 'moma.ip_tokens_uncond'],
    ] as const) {
      expect(got.shape, name).toEqual(f32(name).shape);
      const e = parityError(got.data, f32(name).data);
      expect(e.maxAbs, name).toBeLessThanOrEqual(e.bound);
    }
  });
});

describe(momaLlavaPrompt.name, () => {
  it("builds the fixture's prompt from MoMA's template", async () => {
    const prompt = await readVectorsJson('mllm.prompt');
    // The fixture's prompt is MoMA's template around one subject word and a target prompt.
    const m =
      /^USER: <image>\n A photo of a (.+?)\. Describe a new image of the same \1 in: (.*)\. ASSISTANT: \*$/s.exec(
        String(prompt),
      );
    expect(m).not.toBeNull();
    expect(momaLlavaPrompt(m![1]!, m![2]!)).toBe(prompt);
  });
});
