/**
 * @module
 * The shared, per-environment state of the diffusion nodes (never module globals): one onnxruntime
 * `SessionCache` (CPU by default) for every graph they run, the compiled UNet graphs (written under
 * the temp folder, which full-size SD1.5 needs: its graph is over 2 GB, and later processes reuse it),
 * the built text-encoder / VAE graphs by content key, and the tokenizers. Other packs that run models
 * next to these (ControlNet, MoMA) take the same resources so sessions are bounded together.
 */
import { join } from 'node:path';
import { defineResource, type OnnxModel, SessionCache } from '@momaflow/engine';
import type { ClipTokenizer } from '../models/tokenizers';
import { UnetGraphCache } from '../models/unet';
import { LruMemo } from './lru-memo';

/**
 * Sessions of every diffusion graph. Eight covers a UNet, its patched variants, a text encoder and
 * both VAE halves without evicting between the nodes of one workflow.
 * @example
 * const lease = await ctx.env.resource(DIFFUSION_SESSIONS).acquire({ model });
 */
export const DIFFUSION_SESSIONS = defineResource('diffusion.sessions', (env) =>
  SessionCache.create({ maxEntries: 8, logger: env.log.child({ resource: 'diffusion.sessions' }) }),
);

/**
 * Compiled UNet graphs, cached on disk in `<temp>/unet-graphs` by content (weights identity, config,
 * patches).
 * @example
 * const unet = await UnetSession.open({ model, graphs: env.resource(UNET_GRAPHS), sessions });
 */
export const UNET_GRAPHS = defineResource('diffusion.unet-graphs', (env) =>
  UnetGraphCache.create({ cacheDir: join(env.dirs.temp, 'unet-graphs') }),
);

/**
 * Built text-encoder and VAE graphs by `<kind>:<content key>`. Kept in memory (each is well under the
 * 2 GB protobuf limit) so a session evicted from the cache reopens without reading the weights again.
 * @example
 * const model = await env.resource(MODEL_GRAPHS).get(key, build);
 */
export const MODEL_GRAPHS = defineResource('diffusion.model-graphs', () => new LruMemo<OnnxModel>(6));

/**
 * CLIP tokenizers by source (`clipTokenizerKey`): building one parses 49k merges.
 * @example
 * const tokenizer = await env.resource(CLIP_TOKENIZERS).get('bundled', () => loadClipTokenizerFrom(source));
 */
export const CLIP_TOKENIZERS = defineResource(
  'diffusion.clip-tokenizers',
  () => new LruMemo<ClipTokenizer>(4),
);
