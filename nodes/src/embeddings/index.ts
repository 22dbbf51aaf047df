/**
 * @module
 * Textual inversion in prompts (ComfyUI's `embedding:<name>` syntax, files from `models/embeddings`)
 * and added tokens: a prompt split into text, embeddings and added tokens, the embedding files, and the
 * token ids with the rows beyond the vocabulary they use.
 */
export type { PromptEmbedding } from './embedding-files';
export {
  EMBEDDING_FILES,
  EMBEDDINGS_FOLDER,
  embeddingsFingerprint,
  loadPromptEmbedding,
} from './embedding-files';
export type { PromptSegment } from './prompt-segments';
export { EMBEDDING_PREFIX, parsePromptSegments } from './prompt-segments';
export type { PromptTokens } from './prompt-tokens';
export { promptTokens } from './prompt-tokens';
