/**
 * @module
 * The options of `startServer`, checked with zod (they come from the command line): safe defaults
 * are loopback, no CORS, and bounded bodies, uploads and socket buffers.
 */
import type { Logger, NodeRegistry } from '@momaflow/engine';
import { z } from 'zod';
import { zClusterServerOptions } from './cluster/cluster-options';

const MIB = 1024 * 1024;

/** ComfyUI's port, so its clients find the server where they expect it. */
export const DEFAULT_PORT = 8188;

/** The data options of `startServer`, with their defaults. */
export const zServerOptions = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port (tests). */
  port: z.number().int().min(0).max(65_535).default(DEFAULT_PORT),
  authToken: z.string().min(8, 'the auth token must have at least 8 characters').max(1024).optional(),
  /** Root of input/, output/, temp/, models/, user/ and the database. */
  dataDir: z.string().min(1).default('.'),
  corsOrigins: z
    .array(z.url({ protocol: /^https?$/ }))
    .default([])
    .describe('Browser origins allowed besides the server itself.'),
  /** Threads per onnxruntime operator (default: `MOMAFLOW_THREADS`, else the cores the process may use). */
  threads: z.number().int().positive().optional(),
  /**
   * RAM budget in bytes of the model sessions kept open between prompts (default: `MOMAFLOW_CACHE_RAM`,
   * else derived from the memory: `resolveSessionRam`).
   */
  cacheRamBytes: z.number().nonnegative().optional(),
  /** Where the example workflows are (default: the repository's workflows/). */
  examplesDir: z.string().min(1).optional(),
  /** The built editor served at `/` (default: the repository's editor/dist). */
  editorDir: z.string().min(1).optional(),
  /** Cluster mode: prompts go to workers through a BullMQ queue in this Redis (`serve --queue`). */
  cluster: zClusterServerOptions.optional(),
  /** Load no custom node packs (`--disable-custom-nodes`): a way back in when a pack breaks the server. */
  disableCustomNodes: z.boolean().default(false),
  limits: z
    .object({
      maxJsonBytes: z
        .number()
        .int()
        .positive()
        .default(16 * MIB),
      maxUploadBytes: z
        .number()
        .int()
        .positive()
        .default(64 * MIB),
      maxImagePixels: z.number().int().positive().default(64_000_000),
      /** Past this many bytes queued on a socket, preview frames to it are dropped. */
      wsPreviewBufferBytes: z
        .number()
        .int()
        .positive()
        .default(4 * MIB),
      /** Past this many bytes queued on a socket, the client is disconnected. */
      wsMaxBufferBytes: z
        .number()
        .int()
        .positive()
        .default(64 * MIB),
      /** Largest message a client may send. */
      wsMaxMessageBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024),
    })
    .default({
      maxJsonBytes: 16 * MIB,
      maxUploadBytes: 64 * MIB,
      maxImagePixels: 64_000_000,
      wsPreviewBufferBytes: 4 * MIB,
      wsMaxBufferBytes: 64 * MIB,
      wsMaxMessageBytes: 64 * 1024,
    }),
});

export type ParsedServerOptions = z.output<typeof zServerOptions>;

/** What `startServer` takes: the checked options plus services that aren't data. */
export type ServerOptions = z.input<typeof zServerOptions> & {
  readonly log?: Logger;
  /** Node types to serve (default: the built-in registry); node packs are registered into it first. */
  readonly registry?: NodeRegistry;
};
