/**
 * @module
 * IP-Adapter files for SD1.5 (tencent-ailab/IP-Adapter, h94/IP-Adapter), as `.bin`
 * (`{image_proj: {...}, ip_adapter: {...}}`) or `.safetensors` (the same keys flattened), read from
 * the header: the image projection is `ImageProjModel` (`proj` Linear to tokens x dim, LayerNorm
 * `norm`: ip-adapter_sd15, fed CLIP's projected `image_embeds`) or the perceiver `Resampler`
 * (`latents`, `proj_in`, `layers.{d}.0` attention, `layers.{d}.1` feed-forward, `proj_out`, `norm_out`:
 * ip-adapter-plus_sd15, fed the penultimate hidden states); `ip_adapter.{i}.to_k_ip` / `to_v_ip` are
 * the decoupled cross-attention weights of attention processor `i`.
 */
import { EngineError, type WeightReader, withWeightReader } from '@momaflow/engine';

/** `ImageProjModel`: `tokens` tokens of `dim` from an embedding of `inFeatures`. */
export interface LinearImageProjection {
  readonly kind: 'linear';
  readonly inFeatures: number;
  readonly tokens: number;
  readonly dim: number;
}

/** The IP-Adapter `Resampler` (dim_head 64, as every released adapter uses). */
export interface ResamplerProjection {
  readonly kind: 'resampler';
  /** Width of the image features it reads (the vision tower's hidden size). */
  readonly inFeatures: number;
  readonly tokens: number;
  /** Width of the latents inside. */
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  /** Width of the tokens it gives (the UNet's cross-attention width). */
  readonly outDim: number;
}

/** What an IP-Adapter file holds. */
export interface IpAdapterFile {
  readonly path: string;
  readonly projection: LinearImageProjection | ResamplerProjection;
  /** Indices of the attention processors with `to_k_ip` / `to_v_ip`. */
  readonly processors: readonly number[];
  /** Width the `to_k_ip` / `to_v_ip` weights read (the image tokens' width). */
  readonly tokenDim: number;
}

/** The section prefixes of the two parts. */
export const IP_ADAPTER_SECTIONS = { projection: 'image_proj', attention: 'ip_adapter' } as const;

/** Resampler heads are 64 wide in every IP-Adapter (resampler.py's `dim_head`). */
export const RESAMPLER_DIM_HEAD = 64;

function shapeOf(reader: WeightReader, key: string): readonly number[] {
  const shape = reader.info(key)?.shape;
  if (shape === undefined) {
    throw new EngineError('ip_adapter_invalid', `${reader.path} has no '${key}'`, { path: reader.path, key });
  }
  return shape;
}

function projectionOf(reader: WeightReader): LinearImageProjection | ResamplerProjection {
  const p = `${IP_ADAPTER_SECTIONS.projection}.`;
  if (reader.has(`${p}latents`)) {
    const [, tokens = 0, dim = 0] = shapeOf(reader, `${p}latents`);
    const [, inFeatures = 0] = shapeOf(reader, `${p}proj_in.weight`);
    const [outDim = 0] = shapeOf(reader, `${p}proj_out.weight`);
    const depth = new Set(reader.keys().flatMap((k) => /^image_proj\.layers\.(\d+)\./.exec(k)?.[1] ?? []))
      .size;
    const [inner = 0] = shapeOf(reader, `${p}layers.0.0.to_q.weight`);
    if (depth === 0 || inner % RESAMPLER_DIM_HEAD !== 0) {
      throw new EngineError(
        'ip_adapter_invalid',
        `${reader.path}: the resampler has ${depth} layers of width ${inner}`,
        {
          path: reader.path,
        },
      );
    }
    return { kind: 'resampler', inFeatures, tokens, dim, depth, heads: inner / RESAMPLER_DIM_HEAD, outDim };
  }
  const [flat = 0, inFeatures = 0] = shapeOf(reader, `${p}proj.weight`);
  const [dim = 0] = shapeOf(reader, `${p}norm.weight`);
  if (dim === 0 || flat % dim !== 0) {
    throw new EngineError(
      'ip_adapter_invalid',
      `${reader.path}: 'image_proj.proj' gives ${flat} values, not tokens of ${dim}`,
      {
        path: reader.path,
      },
    );
  }
  return { kind: 'linear', inFeatures, tokens: flat / dim, dim };
}

/**
 * The IP-Adapter at `path`, from its header.
 * @throws EngineError `ip_adapter_invalid` naming what is missing, or a weight reader's error.
 * @example
 * const file = await readIpAdapter('models/ipadapter/ip-adapter-plus_sd15.safetensors');
 * file.projection.kind; // 'resampler'
 */
export function readIpAdapter(path: string): Promise<IpAdapterFile> {
  return withWeightReader(path, async (reader) => {
    if (!reader.keys().some((k) => k.startsWith(`${IP_ADAPTER_SECTIONS.projection}.`))) {
      throw new EngineError(
        'ip_adapter_invalid',
        `${path} has no 'image_proj.*' weights; is it an IP-Adapter?`,
        { path },
      );
    }
    const projection = projectionOf(reader);
    const processors = [
      ...new Set(reader.keys().flatMap((k) => /^ip_adapter\.(\d+)\.to_k_ip\.weight$/.exec(k)?.[1] ?? [])),
    ]
      .map(Number)
      .sort((a, b) => a - b);
    if (processors.length === 0) {
      throw new EngineError('ip_adapter_invalid', `${path} has no 'ip_adapter.{i}.to_k_ip.weight'`, { path });
    }
    const [, tokenDim = 0] = shapeOf(
      reader,
      `${IP_ADAPTER_SECTIONS.attention}.${processors[0]}.to_k_ip.weight`,
    );
    const width = projection.kind === 'linear' ? projection.dim : projection.outDim;
    if (tokenDim !== width) {
      throw new EngineError(
        'ip_adapter_invalid',
        `${path}: the image tokens are ${width} wide, 'ip_adapter.${processors[0]}.to_k_ip' reads ${tokenDim}`,
        { path },
      );
    }
    return { path, projection, processors, tokenDim };
  });
}
