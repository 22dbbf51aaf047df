/**
 * @module
 * A LLaVA model as the MLLM socket carries it: the checkpoint, the vision tower it reads images
 * with, the weight precision, and a content key. Frozen and cheap; graphs and sessions live in the
 * environment's caches under the key.
 */
import { createHash } from 'node:crypto';
import { EngineError } from '@momaflow/engine';
import { type ClipVisionCheckpoint, towerDepth } from '../clip-vision';
import { type LlavaPrecision, type LlavaQuantization, llavaQuantization } from './llava-quantization';
import type { LlavaCheckpoint } from './load-llava';

/** The MLLM socket value. */
export interface LlavaModel {
  readonly kind: 'llava';
  /** Content key: file identities, precision. */
  readonly key: string;
  readonly checkpoint: LlavaCheckpoint;
  readonly tower: ClipVisionCheckpoint;
  readonly quantization: LlavaQuantization;
}

/** Options of `createLlavaModel`. */
export interface CreateLlavaModelOptions {
  readonly checkpoint: LlavaCheckpoint;
  readonly tower: ClipVisionCheckpoint;
  readonly precision: LlavaPrecision;
  /** Content keys of the checkpoint and tower files (see `checkpointIdentity`). */
  readonly identities: readonly string[];
}

/**
 * A model from a checkpoint and a tower that fit together.
 * @throws EngineError `vision_tower_mismatch` naming both when the tower's width is not the
 *   projector's input width, `unsupported_model_config` when its feature layer does not exist.
 * @example
 * const model = createLlavaModel({ checkpoint, tower, precision: 'int8', identities: [a, b] });
 */
export function createLlavaModel(o: CreateLlavaModelOptions): LlavaModel {
  const { checkpoint: llava, tower } = o;
  const width = tower.config.hiddenSize;
  if (width !== llava.projectorInFeatures) {
    throw new EngineError(
      'vision_tower_mismatch',
      `the vision tower ${tower.path} gives ${width}-wide features, but the projector of ${llava.dir} takes ${llava.projectorInFeatures}`,
      { tower: tower.path, checkpoint: llava.dir },
    );
  }
  if (llava.config.mmHiddenSize !== undefined && llava.config.mmHiddenSize !== width) {
    throw new EngineError(
      'vision_tower_mismatch',
      `${llava.configPath} says 'mm_hidden_size' ${llava.config.mmHiddenSize}, but its projector and the vision tower ${tower.path} are ${width} wide`,
      { tower: tower.path, checkpoint: llava.dir },
    );
  }
  towerDepth(tower.config, llava.config.visionFeatureLayer);
  const key = createHash('sha256')
    .update(JSON.stringify(['llava', ...o.identities, o.precision]))
    .digest('hex');
  return Object.freeze({
    kind: 'llava',
    key,
    checkpoint: llava,
    tower,
    quantization: llavaQuantization(o.precision),
  });
}
