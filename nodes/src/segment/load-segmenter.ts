/**
 * @module
 * Opens a segmentation model file as a `Segmenter`: reads its JSON config (`<name>.json` beside
 * `<name>.onnx`) or falls back to the preset its name matches, reads the ONNX graph's inputs and
 * outputs and checks they are a segmentation model's. No session is created here; Segment does that.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { EngineError, errorMessage, readOnnxIo } from '@momaflow/engine';
import { hasErrnoCode } from '../image';
import {
  parseSegmentModelConfig,
  resolveSegmentSettings,
  type SegmentModelConfig,
} from './segment-model-config';
import { describeSegmentIo } from './segment-model-io';
import type { Segmenter } from './segment-types';

/** The JSON config a model reads beside it (`isnet.onnx` -> `isnet.json`). */
export function configPathOf(modelPath: string): string {
  return join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.json`);
}

/** The config's text, or `undefined` when there is none. */
async function readConfigText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (hasErrnoCode(err, 'ENOENT')) return undefined;
    throw new EngineError('config_unreadable', `cannot read ${path}: ${errorMessage(err)}`, { path });
  }
}

function parseConfigText(text: string, source: string): SegmentModelConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EngineError('invalid_model_config', `${source} is not valid JSON: ${errorMessage(err)}`, {
      source,
    });
  }
  return parseSegmentModelConfig(json, source);
}

/**
 * The content key of a model: sha256 of its real path, size and modification time, and of its
 * config's text. Replacing the file or editing the config changes it (re-running the loader and
 * opening a new session); hashing hundreds of MB on every validation would not.
 * @example
 * const key = await segmentModelIdentity('/data/models/segment/isnet.onnx');
 */
export async function segmentModelIdentity(path: string): Promise<string> {
  const info = await stat(path).catch((err: unknown) => {
    throw new EngineError('model_not_found', `cannot read model file '${path}': ${errorMessage(err)}`, {
      path,
    });
  });
  const config = await readConfigText(configPathOf(path));
  return createHash('sha256')
    .update(JSON.stringify([path, info.size, info.mtimeMs, config ?? null]))
    .digest('hex');
}

/**
 * @param o.path the real path of the `.onnx` file; `o.name` how the workflow names it.
 * @throws EngineError `model_not_found`, `invalid_onnx`, `invalid_model_config`,
 * `segment_config_missing`, `not_a_segmentation_model`, `segment_size_unknown`; messages start with
 * `o.label` and name the file.
 * @example
 * const segmenter = await loadSegmenter({ path, name: 'isnet.onnx', label: "SegmentModelLoader input 'model_name'" });
 */
export async function loadSegmenter(o: { path: string; name: string; label: string }): Promise<Segmenter> {
  const file = `'${o.name}'`;
  let bytes: Buffer;
  try {
    bytes = await readFile(o.path);
  } catch (err) {
    throw new EngineError('model_not_found', `${o.label}: cannot read ${file}: ${errorMessage(err)}`, {
      path: o.path,
    });
  }
  const configPath = configPathOf(o.path);
  const configName = basename(configPath);
  const configText = await readConfigText(configPath);
  const withLabel = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof EngineError)
        throw new EngineError(err.code, `${o.label}: ${err.message}`, err.details);
      throw err;
    }
  };
  return withLabel(() => {
    const onnxIo = readOnnxIo(bytes, file);
    const config = configText === undefined ? undefined : parseConfigText(configText, configName);
    const settings = resolveSegmentSettings({ fileName: basename(o.name), config, configName });
    const io = describeSegmentIo(onnxIo, settings, file);
    const key = createHash('sha256')
      .update(bytes)
      .update(configText ?? '')
      .digest('hex');
    return { kind: 'onnx-segmenter', name: o.name, path: o.path, key, settings, io };
  });
}
