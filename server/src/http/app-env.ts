/**
 * @module
 * The Hono environment of the app (declared, so `c.get`/`c.set` stay typed) and the services the
 * routes are built from.
 */
import type { Directories, Logger, NodeEnv, NodeRegistry, PackReport } from '@momaflow/engine';
import type { Hono } from 'hono';
import type { ClusterListing } from '../cluster/cluster-listing';
import type { PromptWorker, QueueApi } from '../queue';
import type { PromptStore } from '../store';
import type { ClientHub } from '../ws';

/** Hono env: no bindings the routes rely on, no per-request variables. */
export interface AppEnv {
  Variables: Record<never, never>;
}

export interface SecurityOptions {
  /** When set, every request and WebSocket upgrade must carry it. */
  readonly authToken?: string;
  /** Extra origins allowed to call the API from a browser (CORS). */
  readonly corsOrigins: readonly string[];
  /** The server's own origins (scheme, host, port) once it listens. */
  readonly ownOrigins: () => readonly string[];
  /** Host headers accepted (DNS-rebinding defence); null accepts any (non-loopback binds). */
  readonly allowedHosts: () => readonly string[] | null;
}

export interface Limits {
  /** Largest request body for JSON endpoints. */
  readonly maxJsonBytes: number;
  /** Largest upload request body. */
  readonly maxUploadBytes: number;
  /** Largest decoded image accepted (decompression-bomb guard). */
  readonly maxImagePixels: number;
}

export interface AppDeps {
  readonly registry: NodeRegistry;
  /** What loading did with each custom node pack (shown in system_stats; their examples are listed). */
  readonly packs: readonly PackReport[];
  readonly env: NodeEnv;
  readonly dirs: Directories;
  readonly queue: QueueApi;
  /** History reads and deletes (queue changes go through `queue`). */
  readonly store: PromptStore;
  /** Interrupts running prompts: the local worker loop, or a cluster's workers. */
  readonly worker: Pick<PromptWorker, 'interrupt'>;
  readonly hub: ClientHub;
  /** The user's workflow library. */
  readonly workflowsDir: string;
  /** Example workflows shipped with momaflow. */
  readonly examplesDir: string;
  /** The built editor (`editor/dist`), served at `/`; a missing folder is answered with how to build it. */
  readonly editorDir: string;
  readonly security: SecurityOptions;
  readonly limits: Limits;
  /** Cluster mode (`serve --queue`): the workers' routes (their own token) and the queue listing's cluster part. */
  readonly cluster?: {
    readonly routes: Hono<AppEnv>;
    describe(): ClusterListing;
  };
  readonly log: Logger;
  readonly version: string;
  readonly startedAt: number;
}
