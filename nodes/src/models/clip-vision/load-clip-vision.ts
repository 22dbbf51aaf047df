/**
 * @module
 * Open a CLIP vision tower as people have it: a transformers folder (`config.json`, weights, and
 * `preprocessor_config.json` when present), a bare weight file (ComfyUI's `models/clip_vision`
 * convention; recognised by its shapes), or the tower bundled inside another checkpoint (llava-hf).
 * Only headers and configs are read here.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EngineError, errorMessage, type WeightReader } from '@momaflow/engine';
import { type HfWeightFiles, openHfWeights, resolveHfWeightFiles } from '../hf-checkpoint';
import { parseConfigJson, readConfigJson } from '../ldm-config';
import {
  CLIP_PROCESSOR_JSON_SCHEMA,
  type ClipImageProcessorConfig,
  clipProcessorConfig,
} from './clip-image-processor';
import {
  CLIP_VISION_CONFIG_JSON_SCHEMA,
  type ClipVisionConfig,
  clipVisionConfigFromJson,
  clipVisionConfigFromShapes,
} from './clip-vision-config';
import { clipVisionKey } from './clip-vision-keys';

/** A vision tower ready to build: where its tensors are, its shape and its preprocessing. */
export interface ClipVisionCheckpoint {
  /** The folder or file it was opened from (for messages). */
  readonly path: string;
  readonly weights: HfWeightFiles;
  readonly config: ClipVisionConfig;
  readonly processor: ClipImageProcessorConfig;
}

/** The tower's shapes as its tensors reveal them, or `undefined` when the file holds no tower. */
export function clipVisionShapes(reader: WeightReader) {
  const shapeOf = (local: string) => {
    const stored = reader.keys().find((k) => clipVisionKey(k) === `vision_model.${local}`);
    return stored === undefined ? undefined : reader.info(stored)?.shape;
  };
  const patch = shapeOf('embeddings.patch_embedding.weight');
  const positions = shapeOf('embeddings.position_embedding.weight');
  const fc1 = shapeOf('encoder.layers.0.mlp.fc1.weight');
  if (patch?.length !== 4 || positions === undefined || fc1 === undefined) return undefined;
  const layers = new Set(
    reader
      .keys()
      .map((k) => /^vision_model\.encoder\.layers\.(\d+)\./.exec(clipVisionKey(k) ?? '')?.[1])
      .filter((i) => i !== undefined),
  ).size;
  return {
    hiddenSize: patch[0]!,
    numChannels: patch[1]!,
    patchSize: patch[2]!,
    positions: positions[0]!,
    layers,
    intermediateSize: fc1[0]!,
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function processorOf(dir: string | undefined, imageSize: number): Promise<ClipImageProcessorConfig> {
  const path = dir === undefined ? undefined : join(dir, 'preprocessor_config.json');
  if (path === undefined || !(await exists(path))) return clipProcessorConfig(undefined, imageSize);
  try {
    return clipProcessorConfig(await readConfigJson(path, CLIP_PROCESSOR_JSON_SCHEMA), imageSize);
  } catch (cause) {
    if (cause instanceof EngineError)
      throw new EngineError(cause.code, `${path}: ${cause.message}`, { path }, { cause });
    throw cause;
  }
}

async function shapesConfig(weights: HfWeightFiles, source: string): Promise<ClipVisionConfig> {
  const reader = await openHfWeights(weights);
  try {
    const shapes = clipVisionShapes(reader);
    if (shapes === undefined) {
      throw new EngineError(
        'not_a_vision_tower',
        `${source} holds no CLIP vision tower (no 'vision_model.*' tensors)`,
        {
          source,
        },
      );
    }
    return clipVisionConfigFromShapes(shapes, source);
  } finally {
    await reader.close();
  }
}

/**
 * The vision tower at `path` (a folder or a weight file).
 * @throws EngineError `checkpoint_not_found`, `not_a_vision_tower`, `unsupported_model_config`,
 *   `invalid_model_config`, and the shard errors of `resolveHfWeightFiles`.
 * @example
 * const tower = await loadClipVision('models/clip_vision/clip-vit-large-patch14-336');
 */
export async function loadClipVision(path: string): Promise<ClipVisionCheckpoint> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (cause) {
    throw new EngineError(
      'checkpoint_not_found',
      `cannot read '${path}': ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
  const weights: HfWeightFiles = isDir
    ? await resolveHfWeightFiles(path)
    : { dir: dirname(path), files: [path] };
  const configPath = isDir ? join(path, 'config.json') : undefined;
  const config =
    configPath !== undefined && (await exists(configPath))
      ? clipVisionConfigFromJson(await readConfigJson(configPath, CLIP_VISION_CONFIG_JSON_SCHEMA), configPath)
      : await shapesConfig(weights, path);
  return { path, weights, config, processor: await processorOf(isDir ? path : undefined, config.imageSize) };
}

/**
 * The tower bundled in another checkpoint (llava-hf), described by `configJson` (its `config.json`)
 * or, failing that, by its shapes.
 * @example
 * const tower = await bundledClipVision(llava.weights, llavaConfigJson, 'models/mllm/llava-1.5-7b-hf');
 */
export async function bundledClipVision(
  weights: HfWeightFiles,
  configJson: unknown,
  source: string,
): Promise<ClipVisionCheckpoint> {
  const nested = typeof configJson === 'object' && configJson !== null && 'vision_config' in configJson;
  const config = nested
    ? clipVisionConfigFromJson(parseConfigJson(configJson, CLIP_VISION_CONFIG_JSON_SCHEMA, source), source)
    : await shapesConfig(weights, source);
  return { path: source, weights, config, processor: await processorOf(weights.dir, config.imageSize) };
}
