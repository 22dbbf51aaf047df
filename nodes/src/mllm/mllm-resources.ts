/**
 * @module
 * The MLLM nodes' per-environment state (never module globals): their own onnxruntime session cache
 * (the LLaVA stages are gigabytes; sharing the diffusion cache's four slots would evict the UNet),
 * the compiled LLaVA graphs on disk under `<temp>/mllm-graphs` (reused across processes), the LLaMA
 * tokenizers, and MoMA's image-prompt head graphs by adapter.
 */
import { join } from 'node:path';
import { defineResource, type OnnxModelSource, SessionCache } from '@momaflow/engine';
import { LruMemo } from '../diffusion';
import { LlavaGraphCache } from '../models/llava';
import type { LlamaTokenizer } from '../models/tokenizers/sentencepiece';

/**
 * Sessions of the MLLM graphs: a vision graph, up to eight language stages and MoMA's head per
 * model, so one model stays loaded whole between prompts.
 * @example
 * const lease = await ctx.env.resource(MLLM_SESSIONS).acquire(compiled.vision);
 */
export const MLLM_SESSIONS = defineResource('mllm.sessions', (env) =>
  SessionCache.create({ maxEntries: 12, logger: env.log.child({ resource: 'mllm.sessions' }) }),
);

/**
 * Compiled LLaVA graphs in `<temp>/mllm-graphs`.
 * @example
 * const compiled = await ctx.env.resource(LLAVA_GRAPHS).compile(model);
 */
export const LLAVA_GRAPHS = defineResource('mllm.llava-graphs', (env) =>
  LlavaGraphCache.create({ cacheDir: join(env.dirs.temp, 'mllm-graphs') }),
);

/**
 * LLaMA tokenizers by `tokenizer.model` path: parsing one reads 32000 pieces.
 * @example
 * const llama = await ctx.env.resource(MLLM_TOKENIZERS).get(path, () => loadLlamaTokenizer(path));
 */
export const MLLM_TOKENIZERS = defineResource('mllm.tokenizers', () => new LruMemo<LlamaTokenizer>(4));

/**
 * Written image-prompt head graphs by adapter content key (only paths).
 * @example
 * const source = await ctx.env.resource(IMAGE_PROMPT_GRAPHS).get(adapter.key, build);
 */
export const IMAGE_PROMPT_GRAPHS = defineResource(
  'mllm.image-prompt-graphs',
  () => new LruMemo<OnnxModelSource>(8),
);
