/**
 * @module
 * The segment pack's per-environment state: its own onnxruntime `SessionCache`. Its own rather than
 * the diffusion one, so a segmentation (a few hundred MB, run once per reference image) never evicts
 * a UNet session mid-workflow and runs in a worker of its own beside a sampler's.
 */
import { defineResource, SessionCache } from '@momaflow/engine';

/**
 * Two entries: the default model plus one more a workflow may compare it with. Sessions get the
 * environment's thread count (`--threads`).
 * @example
 * const lease = await ctx.env.resource(SEGMENT_SESSIONS).acquire({ path, hash: segmenter.key });
 */
export const SEGMENT_SESSIONS = defineResource('segment.sessions', (env) =>
  SessionCache.create({
    maxEntries: 2,
    logger: env.log.child({ resource: 'segment.sessions' }),
    defaults: { intraOpNumThreads: env.compute.threads },
  }),
);
