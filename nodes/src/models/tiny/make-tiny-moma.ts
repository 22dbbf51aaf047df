/**
 * @module
 * Writes momaflow's tiny MoMA model set, in the real file layouts, so the MoMA workflow runs out of
 * the box: a LLaVA-1.5-style checkpoint in `mllm/momaflow-tiny-llava/` (LLaVA's own config and key
 * names, fp16 torch zip `pytorch_model.bin`, a SentencePiece `tokenizer.model`), a CLIP vision tower
 * in `clip_vision/momaflow-tiny-clip-vision/` (`CLIPVisionModelWithProjection` config and safetensors,
 * like IP-Adapter's `image_encoder`, so the tiny IP-Adapters read it too), and MoMA's
 * adapter file in `moma/` (torch zip of the nested `projectors` / `self_cross_attentions` /
 * `llm_mapping` dicts), sized for the tiny SD1.5 UNet. Weights are random but seeded: the same
 * command writes the same bytes.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AnyTensor,
  dict,
  float32ToFloat16Array,
  type TorchSaveTree,
  writeSafetensors,
  writeTorchFile,
} from '@momaflow/engine';
import type { ClipVisionConfig } from '../clip-vision';
import { parseLdmYaml } from '../ldm-config';
import type { LlamaConfig } from '../llama';
import { writeSentencePieceModel } from '../tokenizers/sentencepiece';
import { listHookPoints, unetConfigFromLdmYaml, unetLayout } from '../unet';
import {
  clipVisionConfigJson,
  clipVisionKeyShapes,
  llavaConfigJson,
  llavaKeyShapes,
  type MomaAdapterShape,
  momaAdapterKeyShapes,
} from './llava-shapes';
import { seededWeight } from './seeded-init';
import { tinyLlamaTokenizerModel } from './tiny-llama-vocab';
import { ldmYamlText, TINY_SD15_SHAPE } from './tiny-sd15-config';
import { exists, writeAtomic } from './write-atomic';

/** Folder of the tiny LLaVA inside `models/mllm`. */
export const TINY_LLAVA_DIR = 'momaflow-tiny-llava';
/** Folder of the tiny vision tower inside `models/clip_vision`. */
export const TINY_CLIP_VISION_DIR = 'momaflow-tiny-clip-vision';
/** The tiny adapter file inside `models/moma`. */
export const TINY_MOMA_ADAPTER_FILE = 'momaflow-tiny-attn_adapters_projectors.th';

const SEED = 2404;

/** The tiny tower: ViT-L/14's structure at 32 wide, 56 px (16 patches). */
export const TINY_CLIP_VISION: ClipVisionConfig = Object.freeze({
  hiddenSize: 32,
  heads: 4,
  layers: 3,
  intermediateSize: 64,
  imageSize: 56,
  patchSize: 14,
  numChannels: 3,
  layerNormEps: 1e-5,
  hiddenAct: 'quick_gelu',
});

/** Width of the tiny tower's `image_embeds` (its `visual_projection`), unlike its hidden width. */
export const TINY_CLIP_VISION_PROJECTION_DIM = 24;

/** The tiny LLaMA (grouped-query attention included, which LLaMA-7B does not exercise). */
function tinyLlama(vocabSize: number): LlamaConfig {
  return {
    hiddenSize: 64,
    intermediateSize: 128,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    headDim: 16,
    vocabSize,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
  };
}

/** The adapter's sizes for a LLaMA of `llmHidden` and the tiny SD1.5 UNet. */
function tinyAdapterShape(llmHidden: number): MomaAdapterShape {
  // The UNet config exactly as the tiny checkpoint's loader reads it from its yaml.
  const unet = unetConfigFromLdmYaml(parseLdmYaml(ldmYamlText(TINY_SD15_SHAPE), 'momaflow-tiny-sd15.yaml'));
  return {
    llmHidden,
    // MoMA maps 4096 -> 1024; the same ratio.
    embedding: llmHidden / 4,
    tokens: 4,
    tokenDim: TINY_SD15_SHAPE.unet.context_dim,
    attention: listHookPoints(unetLayout(unet)),
  };
}

/** Options of `makeTinyMoma`. */
export interface MakeTinyMomaOptions {
  readonly modelsDir: string;
  /** Leave the set alone when all its files exist. */
  readonly ifAbsent?: boolean;
}

/** What `makeTinyMoma` did. */
export interface TinyMomaFiles {
  readonly llava: string;
  readonly clipVision: string;
  readonly adapter: string;
  readonly written: boolean;
  /** Bytes of the three weight files. */
  readonly bytes: number;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Seeded tensors of `shapes` for `writeTorchFile`, each made when it is written (so a 7B checkpoint
 * never sits in memory); `prefix` goes into the seed key, `dtype` is how they are stored.
 * @example
 * await writeTorchFile(path, seededTorchTree(llavaKeyShapes(config, 1024), { seed: 1, prefix: 'llava/', dtype: 'F16' }));
 */
export function seededTorchTree(
  shapes: ReadonlyMap<string, readonly number[]>,
  o: { readonly seed: number; readonly prefix: string; readonly dtype: 'F16' | 'F32' },
): TorchSaveTree {
  const { seed, prefix, dtype } = o;
  return Object.fromEntries(
    [...shapes].map(([key, shape]) => [
      key,
      {
        dtype,
        shape,
        bytes: () => {
          const w = seededWeight({ seed, key: prefix + key, shape });
          return bytesOf(dtype === 'F16' ? float32ToFloat16Array(w.data) : w.data);
        },
      },
    ]),
  );
}

/**
 * MoMA's adapter file of `shape` (nested `projectors` / `self_cross_attentions` / `llm_mapping`
 * dicts, float32) with seeded weights.
 * @example
 * await writeSeededMomaAdapter('models/moma/attn_adapters_projectors.th', shape, 1);
 */
export async function writeSeededMomaAdapter(
  path: string,
  shape: MomaAdapterShape,
  seed: number,
): Promise<void> {
  const sections = momaAdapterKeyShapes(shape);
  await writeTorchFile(
    path,
    {
      projectors: seededTorchTree(sections.projectors, { seed, prefix: 'projectors/', dtype: 'F32' }),
      self_cross_attentions: seededTorchTree(sections.self_cross_attentions, {
        seed,
        prefix: 'attn/',
        dtype: 'F32',
      }),
      llm_mapping: seededTorchTree(sections.llm_mapping, { seed, prefix: 'mapping/', dtype: 'F32' }),
    },
    { archive: 'attn_adapters_projectors' },
  );
}

async function sizeOf(...paths: string[]): Promise<number> {
  let total = 0;
  for (const p of paths) total += (await stat(p)).size;
  return total;
}

/**
 * Write (or with `ifAbsent`, keep) the tiny LLaVA, CLIP vision tower and MoMA adapter. Configs are
 * written before weights, so a weight file never appears without what reads it.
 * @example
 * const { llava, adapter } = await makeTinyMoma({ modelsDir: 'models', ifAbsent: true });
 */
export async function makeTinyMoma(o: MakeTinyMomaOptions): Promise<TinyMomaFiles> {
  const llava = join(o.modelsDir, 'mllm', TINY_LLAVA_DIR);
  const clipVision = join(o.modelsDir, 'clip_vision', TINY_CLIP_VISION_DIR);
  const adapter = join(o.modelsDir, 'moma', TINY_MOMA_ADAPTER_FILE);
  const weights = [join(llava, 'pytorch_model.bin'), join(clipVision, 'model.safetensors'), adapter];
  const all = [
    ...weights,
    join(llava, 'config.json'),
    join(llava, 'tokenizer.model'),
    join(clipVision, 'config.json'),
  ];
  if (o.ifAbsent && (await Promise.all(all.map(exists))).every(Boolean)) {
    return { llava, clipVision, adapter, written: false, bytes: await sizeOf(...weights) };
  }
  for (const dir of [llava, clipVision, join(o.modelsDir, 'moma')]) await mkdir(dir, { recursive: true });

  const tokenizer = tinyLlamaTokenizerModel();
  const llama = tinyLlama(tokenizer.pieces.length);
  const tower = TINY_CLIP_VISION;
  await writeAtomic(
    join(clipVision, 'config.json'),
    `${JSON.stringify(clipVisionConfigJson(tower, TINY_CLIP_VISION_PROJECTION_DIM), null, 2)}\n`,
  );
  const towerTensors = dict<AnyTensor>();
  for (const [key, shape] of clipVisionKeyShapes(tower, TINY_CLIP_VISION_PROJECTION_DIM))
    towerTensors[key] = seededWeight({ seed: SEED, key, shape });
  await writeSafetensors(weights[1]!, towerTensors, {
    metadata: { format: 'pt', 'momaflow.model': 'tiny-clip-vision' },
  });

  const config = llavaConfigJson(llama, { visionWidth: tower.hiddenSize, visionTower: TINY_CLIP_VISION_DIR });
  await writeAtomic(join(llava, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeAtomic(join(llava, 'tokenizer.model'), writeSentencePieceModel(tokenizer));
  await writeTorchFile(
    weights[0]!,
    seededTorchTree(llavaKeyShapes(llama, tower.hiddenSize), { seed: SEED, prefix: 'llava/', dtype: 'F16' }),
    {
      archive: 'pytorch_model',
    },
  );

  await writeSeededMomaAdapter(adapter, tinyAdapterShape(llama.hiddenSize), SEED);
  return { llava, clipVision, adapter, written: true, bytes: await sizeOf(...weights) };
}
