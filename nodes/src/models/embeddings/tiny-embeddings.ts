/**
 * @module
 * Deterministic textual-inversion files for a text encoder of a given width, in their trainers'
 * layouts, for the tiny model set and tests: A1111's / kohya's `.safetensors` (`emb_params` [n, width])
 * and diffusers' `learned_embeds` (`{'<token>': [width]}`, one vector).
 */
import type { Tensor } from '@momaflow/engine';
import { seededWeight } from '../tiny/seeded-init';

/** The layouts `tinyEmbeddingTensors` writes. */
export type TinyEmbeddingFormat = 'a1111' | 'diffusers';

/**
 * @example
 * encodeSafetensors(tinyEmbeddingTensors('a1111', 768, 1, 3), { dtype: 'F16' }); // a 3-vector embedding
 */
export function tinyEmbeddingTensors(
  format: TinyEmbeddingFormat,
  width: number,
  seed: number,
  vectors = 2,
): Record<string, Tensor<'float32'>> {
  switch (format) {
    case 'a1111':
      return { emb_params: seededWeight({ seed, key: 'emb_params', shape: [vectors, width] }) };
    case 'diffusers': {
      // One vector, stored 1-D as `learned_embeds_dict[token]`.
      const t = seededWeight({ seed, key: '<momaflow-toy>', shape: [1, width] });
      return { '<momaflow-toy>': t.reshape([width]) };
    }
  }
}
