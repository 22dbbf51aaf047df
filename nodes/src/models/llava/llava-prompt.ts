/**
 * @module
 * A tokenized LLaVA prompt cut where the image goes: the image features replace the one
 * `IMAGE_TOKEN_INDEX` (-200), which is not a vocabulary id (LLaVA's
 * `prepare_inputs_labels_for_multimodal`).
 */
import { EngineError } from '@momaflow/engine';
import { LLAVA_IMAGE_TOKEN_INDEX } from '../tokenizers/sentencepiece';

/** The token ids before and after the image. */
export interface LlavaPromptIds {
  readonly before: readonly number[];
  readonly after: readonly number[];
}

/**
 * Split `ids` at its image placeholder.
 * @throws EngineError `invalid_prompt` unless there is exactly one.
 * @example
 * splitAtImage([1, 3148, -200, 29871, 13]); // { before: [1, 3148], after: [29871, 13] }
 */
export function splitAtImage(ids: readonly number[], imageIndex = LLAVA_IMAGE_TOKEN_INDEX): LlavaPromptIds {
  const at = ids.indexOf(imageIndex);
  if (at < 0 || ids.indexOf(imageIndex, at + 1) >= 0) {
    const count = ids.filter((id) => id === imageIndex).length;
    throw new EngineError(
      'invalid_prompt',
      `a LLaVA prompt needs exactly one <image>, this one has ${count}`,
      {
        count,
      },
    );
  }
  return { before: ids.slice(0, at), after: ids.slice(at + 1) };
}
