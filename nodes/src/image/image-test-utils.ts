/**
 * @module
 * Test-only builders for the image pack: a node environment over fresh temp folders, a direct
 * `runNode` that mirrors what the executor hands a node, 8-bit-exact test images, and the shared
 * fixture folder (`$MOMAFLOW_FIXTURES`, else `../shared/fixtures` beside the repository root).
 */

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyNodeDefinition, NodeEnv, PromptSource, UiOutput } from '@momaflow/engine';
import { createNodeEnv, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { fixturesDir } from '@momaflow/engine/testing';
import type { Image8 } from './image8';

export { fixturesDir };

export interface TempEnv {
  readonly env: NodeEnv;
  readonly root: string;
  cleanup(): Promise<void>;
}

/** A NodeEnv whose input/output/temp/models folders live in a new temp folder (input created). */
export async function createTempEnv(): Promise<TempEnv> {
  const root = await mkdtemp(join(tmpdir(), 'momaflow-image-'));
  const dirs = {
    input: join(root, 'input'),
    output: join(root, 'output'),
    temp: join(root, 'temp'),
    models: join(root, 'models'),
  };
  await mkdir(dirs.input, { recursive: true });
  return {
    env: createNodeEnv({ dirs, log: SILENT_LOGGER }),
    root,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export interface NodeRun {
  readonly outputs: readonly unknown[];
  readonly ui: UiOutput | undefined;
}

/** Runs one node the way the executor would (context, then `run`), normalising the result. */
export async function runNode(
  definition: AnyNodeDefinition,
  inputs: Record<string, unknown>,
  options: { env: NodeEnv; source?: PromptSource },
): Promise<NodeRun> {
  const result: unknown = await definition.run(
    {
      nodeId: '1',
      promptId: 'test',
      source: options.source ?? {},
      signal: new AbortController().signal,
      log: SILENT_LOGGER,
      env: options.env,
      progress: () => {},
    },
    inputs,
  );
  if (Array.isArray(result)) return { outputs: result, ui: undefined };
  const { outputs, ui } = result as { outputs: unknown[]; ui?: UiOutput };
  return { outputs, ui };
}

/**
 * An NHWC image whose values are all exact k/255 (so 8-bit PNG round trips are lossless), with a
 * pattern that differs per pixel and channel and covers 0 and 255.
 */
export function byteImage(height: number, width: number, channels: number, seed = 0): Tensor<'float32'> {
  const data = new Float32Array(height * width * channels);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37 + seed * 11 + (i % 7) * 101) % 256) / 255;
  data[0] = 0;
  data[data.length - 1] = 1;
  return new Tensor('float32', [1, height, width, channels], data);
}

/** A float tensor from nested plain numbers, shape given explicitly. */
export function tensorOf(shape: readonly number[], values: readonly number[]): Tensor<'float32'> {
  return new Tensor('float32', shape, Float32Array.from(values));
}

/**
 * Index and values of the first element where two arrays differ bit for bit (NaN equal to NaN), or
 * undefined when they agree; fast on multi-megapixel images where `toEqual` crawls.
 */
export function firstDifference(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): { index: number; actual: number | undefined; expected: number | undefined } | undefined {
  const length = Math.max(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    if (!Object.is(actual[i], expected[i])) return { index: i, actual: actual[i], expected: expected[i] };
  }
  return undefined;
}

/**
 * An 8-bit RGB image whose samples come from `value(x, y, channel)` (taken modulo 256): the synthetic
 * patterns reference resamplers were run on.
 */
export function rgbPattern(
  width: number,
  height: number,
  value: (x: number, y: number, c: number) => number,
): Image8 {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = value(x, y, c) % 256;
  return { width, height, channels: 3, data };
}
