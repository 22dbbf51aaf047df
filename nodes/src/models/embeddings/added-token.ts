/**
 * @module
 * A token added to a text encoder's vocabulary with its own embedding, as Custom Diffusion adds its
 * modifier tokens (`<new1>`): prompts spell it literally, and it is matched before BPE splits words,
 * as Hugging Face tokenizers match added tokens.
 */
import type { Tensor } from '@momaflow/engine';

/** An added token and its embedding rows [n, hidden] (one for Custom Diffusion). */
export interface AddedToken {
  readonly text: string;
  readonly vectors: Tensor<'float32'>;
}
