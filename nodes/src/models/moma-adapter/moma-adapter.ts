/**
 * @module
 * MoMA's adapter file (`attn_adapters_projectors.th`, a torch zip-pickle of nested dicts) read by its
 * structure: `projectors` (the ImageProjModel: `proj` Linear to tokens x dim, then a LayerNorm over
 * each token), `llm_mapping` (the SwiGLU MLP `mapping.{gate,up,down}_proj` from the LLaVA hidden state),
 * and `self_cross_attentions.{i}` (one entry per UNet attention processor in `attn_processors` order:
 * `to_k_ip`/`to_v_ip` and, for self-attention processors, `scale_learnable`). Opening reads only the
 * header; consumers read the sections they need with `readMomaAdapterSection`.
 */
import type { Tensor } from '@momaflow/engine';
import {
  EngineError,
  readWeightSection,
  type TensorInfo,
  type WeightReader,
  withWeightReader,
} from '@momaflow/engine';

/** The sections of the file, by their key prefix. */
export type MomaAdapterSection = 'projectors' | 'llm_mapping' | 'self_cross_attentions';

/** The ImageProjModel: `tokens` image-prompt tokens of `tokenDim` from an embedding of `inFeatures`. */
export interface MomaImageProjection {
  readonly inFeatures: number;
  readonly tokens: number;
  readonly tokenDim: number;
}

/** The mapping MLP `down(silu(gate(x)) * up(x))`. */
export interface MomaLlmMapping {
  readonly inFeatures: number;
  readonly hidden: number;
  readonly outFeatures: number;
}

/** One attention processor's adapter weights, as stored (`[out, in]` Linear weights, no bias). */
export interface MomaAttentionEntry {
  /** Position in the UNet's `attn_processors` order. */
  readonly index: number;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Present on self-attention processors (MoMA's learnable gain of the reference path). */
  readonly hasScale: boolean;
}

/** The MOMA_ADAPTER socket: the file, its content key and its validated structure. */
export interface MomaAdapter {
  readonly kind: 'moma-adapter';
  readonly path: string;
  /** Content key of the file (path, size, mtime), for cache signatures. */
  readonly key: string;
  readonly imageProjection: MomaImageProjection;
  readonly llmMapping: MomaLlmMapping;
  readonly attention: readonly MomaAttentionEntry[];
}

const ATTENTION_KEY = /^self_cross_attentions\.(\d+)\.(to_k_ip\.weight|to_v_ip\.weight|scale_learnable)$/;

function invalid(path: string, message: string): EngineError {
  return new EngineError('moma_adapter_invalid', `${path}: ${message}`, { path });
}

function shapeOf(r: WeightReader, key: string, rank: number): readonly number[] {
  const info: TensorInfo | undefined = r.info(key);
  if (info === undefined)
    throw invalid(r.path, `missing '${key}' (is this MoMA's attn_adapters_projectors file?)`);
  if (info.shape.length !== rank) {
    throw invalid(r.path, `'${key}' has shape [${info.shape.join(', ')}], expected rank ${rank}`);
  }
  return info.shape;
}

function imageProjection(r: WeightReader): MomaImageProjection {
  const [projOut = 0, inFeatures = 0] = shapeOf(r, 'projectors.proj.weight', 2);
  const [tokenDim = 0] = shapeOf(r, 'projectors.norm.weight', 1);
  shapeOf(r, 'projectors.proj.bias', 1);
  shapeOf(r, 'projectors.norm.bias', 1);
  if (tokenDim === 0 || projOut % tokenDim !== 0) {
    throw invalid(
      r.path,
      `'projectors.proj' gives ${projOut} features, not a multiple of the norm's ${tokenDim}`,
    );
  }
  return { inFeatures, tokens: projOut / tokenDim, tokenDim };
}

function llmMapping(r: WeightReader): MomaLlmMapping {
  const [hidden = 0, inFeatures = 0] = shapeOf(r, 'llm_mapping.mapping.gate_proj.weight', 2);
  const up = shapeOf(r, 'llm_mapping.mapping.up_proj.weight', 2);
  const [outFeatures = 0, downIn = 0] = shapeOf(r, 'llm_mapping.mapping.down_proj.weight', 2);
  if (up[0] !== hidden || up[1] !== inFeatures || downIn !== hidden) {
    throw invalid(
      r.path,
      `'llm_mapping' gate/up/down shapes do not chain (${inFeatures} -> ${hidden} -> ${outFeatures})`,
    );
  }
  return { inFeatures, hidden, outFeatures };
}

function attentionEntries(r: WeightReader): MomaAttentionEntry[] {
  const indices = new Set<number>();
  for (const key of r.keys()) {
    const m = ATTENTION_KEY.exec(key);
    if (m) indices.add(Number(m[1]));
  }
  const sorted = [...indices].sort((a, b) => a - b);
  if (sorted.length === 0) throw invalid(r.path, "no 'self_cross_attentions.{i}' entries");
  return sorted.map((index, position) => {
    if (index !== position) throw invalid(r.path, `'self_cross_attentions.${position}' is missing`);
    const prefix = `self_cross_attentions.${index}`;
    const [outFeatures = 0, inFeatures = 0] = shapeOf(r, `${prefix}.to_k_ip.weight`, 2);
    const v = shapeOf(r, `${prefix}.to_v_ip.weight`, 2);
    if (v[0] !== outFeatures || v[1] !== inFeatures) {
      throw invalid(r.path, `'${prefix}.to_k_ip' and '${prefix}.to_v_ip' differ in shape`);
    }
    return { index, inFeatures, outFeatures, hasScale: r.has(`${prefix}.scale_learnable`) };
  });
}

/**
 * Read the structure of a MoMA adapter file (headers only).
 * @throws EngineError `moma_adapter_invalid` naming the file and the missing or misshapen key, and the
 *   weight readers' errors for unreadable files.
 * @example
 * const adapter = await readMomaAdapter('models/moma/attn_adapters_projectors.th', key);
 * adapter.imageProjection.tokens; // 4
 */
export function readMomaAdapter(path: string, key: string): Promise<MomaAdapter> {
  return withWeightReader(path, async (r) => ({
    kind: 'moma-adapter',
    path,
    key,
    imageProjection: imageProjection(r),
    llmMapping: llmMapping(r),
    attention: attentionEntries(r),
  }));
}

/**
 * Every tensor of one section as float32, keyed without the section prefix
 * (`mapping.gate_proj.weight`, `0.to_k_ip.weight`, ...).
 * @example
 * const mapping = await readMomaAdapterSection(adapter, 'llm_mapping');
 * mapping.get('mapping.down_proj.weight');
 */
export function readMomaAdapterSection(
  adapter: Pick<MomaAdapter, 'path'>,
  section: MomaAdapterSection,
): Promise<ReadonlyMap<string, Tensor<'float32'>>> {
  return readWeightSection(adapter.path, section);
}
