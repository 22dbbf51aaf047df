/**
 * @module
 * A prompt's token ids for a CLIP handle when it uses textual-inversion embeddings or added tokens:
 * plain text is BPE-encoded as usual, each embedding (and added token) contributes its vectors as rows
 * of an extra table whose ids start at the vocabulary size, so the text encoder's input rows at those
 * positions are the vectors themselves. A prompt without either gives exactly `tokenize`'s ids.
 */
import type { NodeEnv, Tensor } from '@momaflow/engine';
import { Tensor as TensorClass } from '@momaflow/engine';
import type { ClipModel } from '../diffusion/diffusion-types';
import type { ClipTokenized, ClipTokenizer } from '../models/tokenizers';
import { loadPromptEmbedding } from './embedding-files';
import { parsePromptSegments } from './prompt-segments';

/** The framed ids and, when the prompt uses any, the extra rows [rows, hidden] they index. */
export interface PromptTokens extends ClipTokenized {
  readonly extra: Tensor<'float32'> | undefined;
  /** Names of the embeddings used, in prompt order. */
  readonly embeddings: readonly string[];
}

function concatRows(rows: readonly Tensor<'float32'>[], width: number): Tensor<'float32'> {
  const count = rows.reduce((n, t) => n + (t.shape[0] ?? 0), 0);
  const data = new Float32Array(count * width);
  let at = 0;
  for (const t of rows) {
    data.set(t.data, at);
    at += t.size;
  }
  return new TensorClass('float32', [count, width], data);
}

/**
 * @throws EngineError from `loadPromptEmbedding` (unknown name, wrong width), messages starting with `label`.
 * @example
 * const { ids, extra } = await promptTokens({ env, clip, tokenizer, text: 'a photo of embedding:cat-toy', label });
 */
export async function promptTokens(o: {
  readonly env: NodeEnv;
  readonly clip: ClipModel;
  readonly tokenizer: ClipTokenizer;
  readonly text: string;
  readonly label: string;
}): Promise<PromptTokens> {
  const { clip, tokenizer } = o;
  const maxLength = clip.config.maxPositions;
  const width = clip.config.hiddenSize;
  const added = clip.addedTokens ?? [];
  const segments = parsePromptSegments(
    o.text,
    added.map((t) => t.text),
  );
  if (segments.every((s) => s.kind === 'text')) {
    return { ...tokenizer.tokenize(o.text, { maxLength }), extra: undefined, embeddings: [] };
  }
  const rows: Tensor<'float32'>[] = [];
  const offsets = new Map<string, number>();
  let used = 0;
  /** Ids of `vectors`, appended to the extra table once per `key`. */
  const idsOf = (key: string, vectors: Tensor<'float32'>): number[] => {
    let offset = offsets.get(key);
    if (offset === undefined) {
      offset = used;
      offsets.set(key, offset);
      rows.push(vectors);
      used += vectors.shape[0] ?? 0;
    }
    return Array.from({ length: vectors.shape[0] ?? 0 }, (_, i) => clip.config.vocabSize + offset + i);
  };
  const ids: number[] = [];
  const embeddings: string[] = [];
  for (const segment of segments) {
    switch (segment.kind) {
      case 'text':
        ids.push(...tokenizer.encode(segment.text));
        break;
      case 'added':
        ids.push(...idsOf(`added:${segment.index}`, added[segment.index]!.vectors));
        break;
      case 'embedding': {
        const found = await loadPromptEmbedding(o.env, segment.name, width, o.label);
        embeddings.push(found.name);
        ids.push(...idsOf(`embedding:${found.name}`, found.embedding.vectors));
        ids.push(...tokenizer.encode(found.leftover));
        break;
      }
    }
  }
  return { ...tokenizer.frame(ids, { maxLength }), extra: concatRows(rows, width), embeddings };
}
