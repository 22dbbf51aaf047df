/**
 * @module
 * Textual-inversion embeddings as their trainers save them, read with the safe readers:
 * - A1111 `.pt`: `{string_to_token, string_to_param: {'*': [n, width]}, name, step, ...}`;
 * - A1111 / kohya `.safetensors`: `emb_params` [n, width] (SDXL files: `clip_l` for the ViT-L tower);
 * - diffusers `learned_embeds.bin` / `.safetensors`: `{'<token>': [width]}`, one vector.
 * The order of preference is ComfyUI's (`load_embed`): `string_to_param`, the text encoder's key
 * (`clip_l`), `emb_params`, else the file's only tensor.
 */
import { EngineError, type Tensor, withWeightReader } from '@momaflow/engine';

/** A textual-inversion embedding: `vectors` [n, width], one row per prompt token it stands for. */
export interface Embedding {
  readonly vectors: Tensor<'float32'>;
  /** The key the vectors were read from. */
  readonly key: string;
}

const STRING_TO_PARAM = 'string_to_param.';
/** Keys holding the vectors, best first, after `string_to_param.*`. */
const KNOWN_KEYS = ['clip_l', 'emb_params'] as const;

function pick(keys: readonly string[], path: string): string {
  const found = keys.find((k) => k.startsWith(STRING_TO_PARAM)) ?? KNOWN_KEYS.find((k) => keys.includes(k));
  if (found !== undefined) return found;
  if (keys.length === 1) return keys[0]!;
  throw new EngineError(
    'embedding_invalid',
    `${path} holds ${keys.length === 0 ? 'no tensors' : `several tensors (${keys.join(', ')})`} and none of string_to_param.*, ${KNOWN_KEYS.join(', ')}`,
    { path },
  );
}

/**
 * The embedding in `path`, checked to be `width` wide (the text encoder's hidden size).
 * @throws EngineError `embedding_invalid` (no vectors to pick), `embedding_width_mismatch` naming both
 * widths, or a weight reader's error.
 * @example
 * const { vectors } = await readEmbedding('models/embeddings/cat-toy.pt', 768); // [n, 768]
 */
export function readEmbedding(path: string, width: number): Promise<Embedding> {
  return withWeightReader(path, async (reader) => {
    const key = pick(reader.keys(), path);
    const t = await reader.readFloat32(key);
    const rows = t.rank === 1 ? 1 : t.size / (t.shape.at(-1) || 1);
    if (t.rank === 0 || t.rank > 2 || t.shape.at(-1) !== width) {
      throw new EngineError(
        'embedding_width_mismatch',
        `${path}: '${key}' has shape [${t.shape.join(', ')}]; this text encoder takes vectors of width ${width}`,
        { path, key, width },
      );
    }
    return { vectors: t.reshape([rows, width]), key };
  });
}
