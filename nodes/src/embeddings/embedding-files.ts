/**
 * @module
 * Textual-inversion files named in prompts, found as ComfyUI's `load_embed` finds them: the name under
 * `models/embeddings` as given, else with `.safetensors`, `.pt` or `.bin` added, and a name with a
 * trailing ',' (`embedding:cat-toy, on a beach`) tried without it. Names stay inside the folder.
 * Read embeddings are kept per environment by file identity.
 */
import { join } from 'node:path';
import { defineResource, EngineError, errorMessage, type NodeEnv } from '@momaflow/engine';
import { checkpointIdentity } from '../diffusion/checkpoint-identity';
import { LruMemo } from '../diffusion/lru-memo';
import { resolveExistingInside } from '../image/confined-path';
import { type Embedding, readEmbedding } from '../models/embeddings';
import { parsePromptSegments } from './prompt-segments';

/** ComfyUI's folder of textual-inversion embeddings, under `models/`. */
export const EMBEDDINGS_FOLDER = 'embeddings';

const EXTENSIONS = ['.safetensors', '.pt', '.bin'] as const;

/**
 * Embeddings read so far, by file identity and width.
 * @example
 * await env.resource(EMBEDDING_FILES).get(key, () => readEmbedding(path, 768));
 */
export const EMBEDDING_FILES = defineResource('embeddings.files', () => new LruMemo<Embedding>(64));

/** A prompt's embedding and the text its name swallowed (the trailing commas of `cat-toy,`). */
export interface PromptEmbedding {
  readonly name: string;
  readonly embedding: Embedding;
  readonly leftover: string;
}

/** The path of `name` or `name` + an extension inside the folder, or `undefined`. */
async function findFile(dir: string, name: string, label: string): Promise<string | undefined> {
  for (const candidate of [name, ...EXTENSIONS.map((ext) => `${name}${ext}`)]) {
    try {
      return await resolveExistingInside(dir, candidate, label);
    } catch (err) {
      if (!(err instanceof EngineError && err.code === 'file_not_found')) throw err;
    }
  }
  return undefined;
}

/**
 * The embedding a prompt names, `width` wide.
 * @throws EngineError `embedding_not_found` naming the name and the folder, `embedding_width_mismatch`,
 * `embedding_invalid`, `invalid_path`, each message starting with `label`.
 * @example
 * const { embedding } = await loadPromptEmbedding(env, 'cat-toy', 768, "CLIPTextEncode input 'text'");
 */
export async function loadPromptEmbedding(
  env: NodeEnv,
  raw: string,
  width: number,
  label: string,
): Promise<PromptEmbedding> {
  const dir = join(env.dirs.models, EMBEDDINGS_FOLDER);
  const stripped = raw.replace(/,+$/, '');
  for (const name of stripped === raw ? [raw] : [raw, stripped]) {
    const path = await findFile(dir, name, label);
    if (path === undefined) continue;
    const key = `${await checkpointIdentity(path)}:${width}`;
    try {
      const embedding = await env.resource(EMBEDDING_FILES).get(key, () => readEmbedding(path, width));
      return { name, embedding, leftover: raw.slice(name.length) };
    } catch (cause) {
      const code = cause instanceof EngineError ? cause.code : 'embedding_invalid';
      throw new EngineError(
        code,
        `${label}: embedding '${name}': ${errorMessage(cause)}`,
        { path },
        { cause },
      );
    }
  }
  throw new EngineError(
    'embedding_not_found',
    `${label}: embedding '${stripped}' not found in ${dir} (looked for ${stripped} and ${stripped}${EXTENSIONS.join(`, ${stripped}`)})`,
    { name: stripped },
  );
}

/**
 * A content key of the embedding files `text` names (their identities, or that one is missing), for
 * the cache signature of a node that encodes it: replacing a file re-runs the node.
 * @example
 * fingerprint: ({ values, env }) => embeddingsFingerprint(env, values.text ?? '')
 */
export async function embeddingsFingerprint(env: NodeEnv, text: string): Promise<string> {
  const dir = join(env.dirs.models, EMBEDDINGS_FOLDER);
  const parts: string[] = [];
  for (const segment of parsePromptSegments(text, [])) {
    if (segment.kind !== 'embedding') continue;
    const stripped = segment.name.replace(/,+$/, '');
    let path: string | undefined;
    for (const name of new Set([segment.name, stripped])) {
      path ??= await findFile(dir, name, 'embedding').catch(() => undefined);
    }
    parts.push(`${segment.name}=${path === undefined ? 'missing' : await checkpointIdentity(path)}`);
  }
  return parts.join('|');
}
