/**
 * @module
 * Test-only access to real model files in the repository's `models/` folder (fetched by
 * `momaflow models pull`, never by a test). Outside CI a missing model skips its tests with a message
 * saying how to fetch it; under `CI=true` (where `.ci/run` pulls it first) a missing model fails the
 * run instead, so a broken pull can never pass as a skip.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's models folder. */
export const REPO_MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

/**
 * The absolute path of `models/<relative>`, or `undefined` (after a warning) when it is absent outside CI.
 * @throws Error under CI=true when the file is absent.
 * @example
 * const isnet = realModelPath('segment/isnet.onnx', 'momaflow models pull segment-isnet');
 * describe.skipIf(isnet === undefined)('IS-Net', () => { ... });
 */
export function realModelPath(relative: string, fetchCommand: string): string | undefined {
  const path = join(REPO_MODELS, relative);
  if (existsSync(path)) return path;
  const message = `the real model models/${relative} is absent; \`${fetchCommand}\` fetches it`;
  if (process.env.CI === 'true')
    throw new Error(`${message} (CI=true: real-model tests fail instead of skipping)`);
  console.warn(`skipping real-model tests: ${message}`);
  return undefined;
}
