/**
 * @module
 * The shared, per-environment state of the diffusion nodes (never module globals): one onnxruntime
 * `SessionCache` (CPU by default) for every graph they run, the compiled UNet graphs (written under
 * the temp folder, which full-size SD1.5 needs: its graph is over 2 GB, and later processes reuse it),
 * where the text-encoder / VAE graphs were written, by content key, and the tokenizers. Other packs that run models
 * next to these (ControlNet, MoMA) take the same resources so sessions are bounded together.
 */
import { join } from 'node:path';
import { defineResource, type OnnxModelSource, SessionCache } from '@momaflow/engine';
import type { ClipTokenizer } from '../models/tokenizers';
import { UnetGraphCache } from '../models/unet';
import { LruMemo } from './lru-memo';

/**
 * Sessions of every diffusion graph. Four covers a txt2img / img2img workflow (UNet, text encoder,
 * both VAE halves) without evicting between its nodes, while bounding memory: a full-size SD1.5 UNet
 * session alone holds 3.4 GB, and each patched variant is another one. Every session gets the
 * environment's thread count; idle ones stay loaded within the environment's RAM budget (a server
 * keeps them for the next prompt while they fit, `momaflow run` frees them); each loads from an onnxruntime-optimised copy kept in
 * `<temp>/onnx-optimized` once one was written (a full-size UNet: 3 s instead of 35 s).
 * @example
 * const lease = await ctx.env.resource(DIFFUSION_SESSIONS).acquire({ model });
 */
export const DIFFUSION_SESSIONS = defineResource('diffusion.sessions', (env) =>
  SessionCache.create({
    maxEntries: 4,
    logger: env.log.child({ resource: 'diffusion.sessions' }),
    defaults: { intraOpNumThreads: env.compute.threads },
    maxBytes: env.compute.sessionRamBytes,
    optimizedDir: join(env.dirs.temp, 'onnx-optimized'),
  }),
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
 * Written text-encoder and VAE graphs (see `modelGraph`) by `<kind>:<content key>`: only paths, so
 * plenty fit.
 * @example
 * const source = await env.resource(MODEL_GRAPHS).get(key, buildAndWrite);
 */
export const MODEL_GRAPHS = defineResource('diffusion.model-graphs', () => new LruMemo<OnnxModelSource>(32));

/**
 * CLIP tokenizers by source (`clipTokenizerKey`): building one parses 49k merges.
 * @example
 * const tokenizer = await env.resource(CLIP_TOKENIZERS).get('bundled', () => loadClipTokenizerFrom(source));
 */
export const CLIP_TOKENIZERS = defineResource(
  'diffusion.clip-tokenizers',
  () => new LruMemo<ClipTokenizer>(4),
);
