/**
 * @module
 * Test-only helpers of the diffusion pack (not exported from its index): a temp models folder with the
 * tiny checkpoint, node environments and node contexts that record what a node reports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  createNodeEnv,
  type LogLevel,
  type NodeContext,
  type NodeEnv,
  type PreviewImage,
  type ProgressStatus,
  Tensor,
} from '@momaflow/engine';
import { makeTinySd15 } from '../models/tiny';

/** A line logged through a recording logger. */
export interface LoggedLine {
  readonly level: LogLevel;
  readonly message: string;
}

/** One `ctx.progress` call. */
export interface ProgressCall {
  readonly value: number;
  readonly max: number;
  readonly preview: PreviewImage | undefined;
}

/** A temp data folder (input, output, temp, models) with the tiny checkpoint, and its environment. */
export interface TinyWorkspace {
  readonly root: string;
  readonly env: NodeEnv;
  readonly lines: LoggedLine[];
  dispose(): Promise<void>;
}

/**
 * @example
 * const ws = await tinyWorkspace();
 * afterAll(() => ws.dispose());
 */
export async function tinyWorkspace(): Promise<TinyWorkspace> {
  const root = await mkdtemp(join(tmpdir(), 'momaflow-diffusion-'));
  const dirs = {
    input: join(root, 'input'),
    output: join(root, 'output'),
    temp: join(root, 'temp'),
    models: join(root, 'models'),
  };
  await makeTinySd15({ modelsDir: dirs.models });
  const lines: LoggedLine[] = [];
  const env = createNodeEnv({ dirs, log: createLogger((level, message) => lines.push({ level, message })) });
  return {
    root,
    env,
    lines,
    dispose: async () => {
      await env.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * A node context on `env` whose progress calls are recorded: value reports in `progress` (and
 * `onProgress`), reports of what the node is doing (loading, building, ...) in `statuses`.
 */
export function recordingContext(
  env: NodeEnv,
  o: { signal?: AbortSignal; onProgress?: (call: ProgressCall) => void } = {},
): { ctx: NodeContext; progress: ProgressCall[]; statuses: ProgressStatus[] } {
  const progress: ProgressCall[] = [];
  const statuses: ProgressStatus[] = [];
  const ctx: NodeContext = {
    nodeId: '1',
    promptId: 'test',
    source: {},
    signal: o.signal ?? new AbortController().signal,
    log: env.log,
    env,
    progress: (value, max, preview, status) => {
      if (status !== undefined) {
        statuses.push(status);
        return;
      }
      const call = { value, max, preview };
      progress.push(call);
      o.onProgress?.(call);
    },
  };
  return { ctx, progress, statuses };
}

/** Deterministic values in [-1, 1) without a generator. */
export function wave(shape: readonly number[], phase = 0): Tensor<'float32'> {
  const t = Tensor.zeros('float32', shape);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sin(i * 0.37 + phase);
  return t;
}
