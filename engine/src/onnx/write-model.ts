/**
 * @module
 * Write a built model (and its external-data file) to a directory, as onnxruntime loads it by path.
 * Each file is written under a temporary name and renamed, data first and model last, so a model
 * file that exists is complete: callers use its presence as "already written".
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EngineError, errorMessage } from '../errors/engine-error';
import type { OnnxModel } from './onnx-model';

/** Where `writeModel` put the files. */
export interface WrittenModel {
  readonly modelPath: string;
  /** `null` when the model has no external data. */
  readonly dataPath: string | null;
}

/** Options of `writeModel`. */
export interface WriteModelOptions {
  /** Model file name inside `dir`. Default `'model.onnx'`. */
  readonly fileName?: string;
  /** Skip writing when the model file already exists (e.g. `dir` is named by `model.hash`). */
  readonly skipIfExists?: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeChunks(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = `${path}.tmp-${randomUUID()}`;
  const fh = await open(tmp, 'w');
  try {
    for (const chunk of chunks) await fh.write(chunk);
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/**
 * Write `model` (and its side file, at the relative location the model references) into `dir`.
 * @example
 * const { modelPath } = await writeModel(model, join(cacheDir, model.hash), { skipIfExists: true });
 */
export async function writeModel(
  model: OnnxModel,
  dir: string,
  options: WriteModelOptions = {},
): Promise<WrittenModel> {
  const modelPath = join(dir, options.fileName ?? 'model.onnx');
  const streamed = model.streamedData;
  if (streamed !== null && resolve(streamed.path) !== resolve(dir, streamed.location)) {
    throw new EngineError(
      'external_data_elsewhere',
      `the model's weights were streamed to '${streamed.path}'; write the model into its folder, not '${dir}'`,
      { dir },
    );
  }
  const dataPath =
    streamed !== null
      ? streamed.path
      : model.externalData === null
        ? null
        : join(dir, model.externalData.location);
  if (options.skipIfExists === true && (await exists(modelPath))) return { modelPath, dataPath };
  try {
    await mkdir(dir, { recursive: true });
    if (model.externalData !== null && dataPath !== null)
      await writeChunks(dataPath, model.externalData.chunks);
    const tmp = `${modelPath}.tmp-${randomUUID()}`;
    await writeFile(tmp, model.bytes);
    await rename(tmp, modelPath);
  } catch (err) {
    throw new EngineError(
      'model_write_failed',
      `cannot write model to '${dir}': ${errorMessage(err)}`,
      { dir },
      { cause: err },
    );
  }
  return { modelPath, dataPath };
}
