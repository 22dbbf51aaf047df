/**
 * @module
 * Open a LLaVA-1.5 checkpoint folder (LLaVA's own layout, as MoMA_llava_7b ships, or llava-hf's):
 * `config.json`, `tokenizer.model`, and the weights however they are sharded. Every tensor the
 * builder will read is checked against the config from the headers alone, so a missing or misshapen
 * tensor is reported now, naming the key, not minutes into a graph build.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, errorMessage, type WeightReader } from '@momaflow/engine';
import { bundledClipVision, type ClipVisionCheckpoint } from '../clip-vision';
import { type HfWeightFiles, openHfWeights, resolveHfWeightFiles } from '../hf-checkpoint';
import { type LlavaConfig, llavaConfigFromJson } from './llava-config';
import { hasVisionTower, languageSelector } from './llava-keys';

/** A LLaVA checkpoint ready to build. */
export interface LlavaCheckpoint {
  readonly dir: string;
  readonly configPath: string;
  readonly tokenizerPath: string;
  readonly weights: HfWeightFiles;
  readonly config: LlavaConfig;
  /** Input width of the projector, from its weight's shape. */
  readonly projectorInFeatures: number;
  /** The vision tower stored in the same checkpoint (llava-hf), if any. */
  readonly bundledTower: ClipVisionCheckpoint | undefined;
}

/** Every canonical key the builders read, with its shape. */
function expectedShapes(c: LlavaConfig, projectorIn: number): Map<string, readonly number[]> {
  const l = c.llama;
  const h = l.hiddenSize;
  const shapes = new Map<string, readonly number[]>([
    ['model.embed_tokens.weight', [l.vocabSize, h]],
    ['model.norm.weight', [h]],
  ]);
  for (let i = 0; i < l.layers; i++) {
    const p = `model.layers.${i}`;
    shapes.set(`${p}.input_layernorm.weight`, [h]);
    shapes.set(`${p}.post_attention_layernorm.weight`, [h]);
    shapes.set(`${p}.self_attn.q_proj.weight`, [l.heads * l.headDim, h]);
    shapes.set(`${p}.self_attn.k_proj.weight`, [l.kvHeads * l.headDim, h]);
    shapes.set(`${p}.self_attn.v_proj.weight`, [l.kvHeads * l.headDim, h]);
    shapes.set(`${p}.self_attn.o_proj.weight`, [h, l.heads * l.headDim]);
    shapes.set(`${p}.mlp.gate_proj.weight`, [l.intermediateSize, h]);
    shapes.set(`${p}.mlp.up_proj.weight`, [l.intermediateSize, h]);
    shapes.set(`${p}.mlp.down_proj.weight`, [h, l.intermediateSize]);
  }
  const projector =
    c.projector === 'linear'
      ? [['model.mm_projector', projectorIn]]
      : [
          ['model.mm_projector.0', projectorIn],
          ['model.mm_projector.2', h],
        ];
  for (const [name, inF] of projector as [string, number][]) {
    shapes.set(`${name}.weight`, [h, inF]);
    shapes.set(`${name}.bias`, [h]);
  }
  return shapes;
}

/** Stored shape of each canonical language / projector key. */
function canonicalShapes(reader: WeightReader, c: LlavaConfig): Map<string, readonly number[]> {
  const select = languageSelector(c.layout, () => true);
  const out = new Map<string, readonly number[]>();
  for (const stored of reader.keys()) {
    const key = select(stored)?.key;
    const info = reader.info(stored);
    if (key !== undefined && info !== undefined) out.set(key, info.shape);
  }
  return out;
}

function checkWeights(dir: string, c: LlavaConfig, found: Map<string, readonly number[]>): number {
  const first = c.projector === 'linear' ? 'model.mm_projector.weight' : 'model.mm_projector.0.weight';
  const projectorIn = found.get(first)?.[1];
  if (projectorIn === undefined) {
    throw new EngineError('weight_missing', `${dir}: the image projector '${first}' is missing`, {
      key: first,
      dir,
    });
  }
  for (const [key, shape] of expectedShapes(c, projectorIn)) {
    const got = found.get(key);
    if (got === undefined)
      throw new EngineError('weight_missing', `${dir}: weight '${key}' is missing`, { key, dir });
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new EngineError(
        'weight_shape_mismatch',
        `${dir}: weight '${key}' has shape [${got.join(', ')}], config.json implies [${shape.join(', ')}]`,
        { key, dir },
      );
    }
  }
  return projectorIn;
}

async function requireFile(path: string, code: string, what: string): Promise<void> {
  const ok = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!ok) throw new EngineError(code, `${path} is missing (${what})`, { path });
}

/**
 * The LLaVA checkpoint in folder `dir`.
 * @throws EngineError `config_unreadable`, `tokenizer_not_found`, `invalid_model_config`,
 *   `unsupported_model_config`, `weight_missing`, `weight_shape_mismatch`, and the shard errors.
 * @example
 * const llava = await loadLlava('models/mllm/MoMA_llava_7b');
 */
export async function loadLlava(dir: string): Promise<LlavaCheckpoint> {
  const configPath = join(dir, 'config.json');
  const tokenizerPath = join(dir, 'tokenizer.model');
  await requireFile(configPath, 'config_unreadable', "the checkpoint's config");
  await requireFile(tokenizerPath, 'tokenizer_not_found', "LLaMA's SentencePiece tokenizer");
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (cause) {
    throw new EngineError('config_unreadable', `cannot read ${configPath} as JSON: ${errorMessage(cause)}`, {
      path: configPath,
    });
  }
  const config = llavaConfigFromJson(json, configPath);
  const weights = await resolveHfWeightFiles(dir);
  const reader = await openHfWeights(weights);
  let projectorInFeatures: number;
  let bundled: boolean;
  try {
    projectorInFeatures = checkWeights(dir, config, canonicalShapes(reader, config));
    bundled = hasVisionTower(reader.keys());
  } finally {
    await reader.close();
  }
  const bundledTower = bundled ? await bundledClipVision(weights, json, dir) : undefined;
  return { dir, configPath, tokenizerPath, weights, config, projectorInFeatures, bundledTower };
}
