/**
 * @module
 * The prompt MoMA puts to its LLaVA (bytedance/MoMA `model_lib/modules.py` `forward_MLLM`). The
 * trailing `*` is MoMA's: the hidden state of that last token becomes the image prompt.
 */
import { EngineError } from '@momaflow/engine';

/**
 * MoMA's LLaVA prompt for a subject word and a target prompt.
 * @throws EngineError `invalid_input` naming `subject` when it is empty.
 * @example
 * momaLlavaPrompt('cat', 'A cat in autumn with falling leaves.');
 * // 'USER: <image>\n A photo of a cat. Describe a new image of the same cat in: A cat in autumn with falling leaves.. ASSISTANT: *'
 */
export function momaLlavaPrompt(subject: string, prompt: string): string {
  if (subject.trim() === '') {
    throw new EngineError('invalid_input', `'subject' is empty; give the word for the subject (e.g. 'cat')`, {
      input: 'subject',
    });
  }
  return `USER: <image>\n A photo of a ${subject}. Describe a new image of the same ${subject} in: ${prompt}. ASSISTANT: *`;
}
