/**
 * @module
 * MoMA's positive prompt (`generate_with_MoMA`: "photo of a {subject}. " before the user's prompt).
 */

/**
 * @example
 * momaPrompt('cat', 'A cat in autumn with falling leaves.'); // 'photo of a cat. A cat in autumn with falling leaves.'
 */
export function momaPrompt(subject: string, prompt: string): string {
  return `photo of a ${subject.trim()}. ${prompt.trim()}`;
}
