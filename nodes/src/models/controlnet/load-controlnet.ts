/**
 * @module
 * Opens a ControlNet as people have them: a diffusers folder (`config.json` +
 * `diffusion_pytorch_model.safetensors`), or one file (`.safetensors`, `.pth`, `.ckpt`, fp16 or fp32)
 * in the original releases' cldm layout (with or without `control_model.`, cldm yaml beside it or
 * SD1.5's shape) or with diffusers names. Reads the config and the weight header only; tensors are read
 * when a graph is built. Anything else (an exported `.onnx`, a Stable Diffusion checkpoint, a damaged
 * file) is refused naming the file and what was expected.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { WeightReader } from '@momaflow/engine';
import { EngineError, errorMessage, withWeightReader } from '@momaflow/engine';
import { z } from 'zod';
import {
  DIFFUSERS_WEIGHT_NAMES,
  findDiffusersComponent,
  ldmKey,
  readConfigJson,
  resolveCheckpointLayout,
  WeightMap,
  type WeightSelector,
} from '../ldm-config';
import { LDM_UNET_PREFIX, type UnetLayout, unetLayout } from '../unet';
import {
  type ControlNetConfig,
  controlNetConfigFromJson,
  controlNetConfigFromLdmYaml,
  SD15_HINT_EMBEDDING_CHANNELS,
} from './controlnet-config';
import {
  type ControlNetKeyLayout,
  cldmControlKeys,
  cldmToDiffusersControlNetKey,
  controlNetKeyLayout,
  lastHintConv,
} from './controlnet-keys';

/** A ControlNet ready to be built: where its weights are, how they are named, and its shape. */
export interface ControlNetModel {
  readonly kind: 'sd1-controlnet';
  /** The file or folder as given, for messages. */
  readonly origin: string;
  readonly weightsPath: string;
  readonly keys: ControlNetKeyLayout;
  readonly config: ControlNetConfig;
  /** The layout of its UNet part: skips (one residual each) and mid block. */
  readonly layout: UnetLayout;
}

const HINT_CONV_IN = 'controlnet_cond_embedding.conv_in.weight';
const hintBlock = (i: number) => `controlnet_cond_embedding.blocks.${i}.weight`;

/** Stored key -> diffusers key for one file. */
function selectorFor(keys: ControlNetKeyLayout, storedKeys: readonly string[], layersPerBlock: number) {
  if (keys.kind === 'diffusers') return (stored: string) => ldmKey(stored);
  const last = lastHintConv(cldmControlKeys(storedKeys, keys.prefix));
  return (stored: string): string | undefined => {
    const key = ldmKey(stored);
    if (!key.startsWith(keys.prefix)) return undefined;
    return cldmToDiffusersControlNetKey(key.slice(keys.prefix.length), {
      layersPerBlock,
      lastHintConv: last,
    });
  };
}

/**
 * The hint embedding's stage widths from the stored shapes: conv_in's output, then each strided
 * block's (diffusers `ControlNetConditioningEmbedding`: blocks 1, 3, 5, ... change the width).
 */
function embeddingChannelsOf(reader: WeightReader, canonical: (stored: string) => string | undefined) {
  const shapes = new Map<string, readonly number[]>();
  for (const stored of reader.keys()) {
    const key = canonical(stored);
    const info = reader.info(stored);
    if (key !== undefined && info !== undefined) shapes.set(key, info.shape);
  }
  const first = shapes.get(HINT_CONV_IN)?.[0];
  if (first === undefined) return [...SD15_HINT_EMBEDDING_CHANNELS];
  const channels = [first];
  for (let i = 1; shapes.has(hintBlock(i)); i += 2) channels.push(shapes.get(hintBlock(i))![0]!);
  return channels;
}

function notAControlNet(path: string, reader: WeightReader): EngineError {
  const isCheckpoint = reader.keys().some((k) => ldmKey(k).startsWith(LDM_UNET_PREFIX));
  const hint = isCheckpoint ? '; it looks like a Stable Diffusion checkpoint (models/checkpoints)' : '';
  return new EngineError(
    'not_a_controlnet',
    `${path} holds no ControlNet weights: expected diffusers 'controlnet_cond_embedding.*' or the original releases' 'control_model.zero_convs.*' / 'zero_convs.*' keys${hint}`,
    { path },
  );
}

/** ComfyUI's rule for the shuffle ControlNet, whose residuals are averaged over the feature map. */
function isShuffle(file: string): boolean {
  const stem = basename(file, extname(file));
  return stem.endsWith('_shuffle') || stem.endsWith('_shuffle_fp16');
}

async function fromFolder(root: string): Promise<ControlNetModel> {
  const part = await findDiffusersComponent(root, 'controlnet', DIFFUSERS_WEIGHT_NAMES.diffusers);
  const config = controlNetConfigFromJson(
    await readConfigJson(part.configPath, z.unknown()),
    part.configPath,
  );
  const keys = await withWeightReader(part.weightsPath, async (reader) => {
    const found = controlNetKeyLayout(reader.keys());
    if (found?.kind !== 'diffusers') throw notAControlNet(part.weightsPath, reader);
    return found;
  });
  return described(root, part.weightsPath, keys, config);
}

async function configBeside(file: string): Promise<{ path: string; json: unknown } | undefined> {
  const path = join(dirname(file), 'config.json');
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  return exists ? { path, json: await readConfigJson(path, z.unknown()) } : undefined;
}

async function fromFile(file: string): Promise<ControlNetModel> {
  if (extname(file).toLowerCase() === '.onnx') {
    throw new EngineError(
      'controlnet_format_unsupported',
      `${file} is an ONNX graph; a ControlNet is loaded from its weights (.safetensors, .pth, .ckpt) or a diffusers folder, and momaflow builds the graph itself`,
      { path: file },
    );
  }
  const { yaml } = await resolveCheckpointLayout(file).then((l) =>
    l.kind === 'single-file' ? l : { yaml: undefined },
  );
  const beside = await configBeside(file);
  return withWeightReader(file, async (reader) => {
    const keys = controlNetKeyLayout(reader.keys());
    if (keys === undefined) throw notAControlNet(file, reader);
    if (keys.kind === 'diffusers' && beside !== undefined) {
      return described(file, file, keys, controlNetConfigFromJson(beside.json, beside.path));
    }
    // The embedding's widths do not depend on layers_per_block; SD1.5's 2 is enough to name them.
    const embeddingChannels = embeddingChannelsOf(reader, selectorFor(keys, reader.keys(), 2));
    const config = controlNetConfigFromLdmYaml(yaml, {
      embeddingChannels,
      globalPoolConditions: isShuffle(file),
    });
    return described(file, file, keys, config);
  });
}

function described(
  origin: string,
  weightsPath: string,
  keys: ControlNetKeyLayout,
  config: ControlNetConfig,
): ControlNetModel {
  return Object.freeze({
    kind: 'sd1-controlnet',
    origin,
    weightsPath,
    keys,
    config,
    layout: unetLayout(config.unet),
  });
}

/**
 * The ControlNet at `path` (a file or a diffusers folder).
 * @throws EngineError `controlnet_not_found`, `controlnet_format_unsupported`, `not_a_controlnet`,
 * `invalid_model_config`, `invalid_ldm_yaml` or a weight reader's error, each naming the file.
 * @example
 * const control = await loadControlNet('models/controlnet/control_v11p_sd15_canny.pth');
 */
export async function loadControlNet(path: string): Promise<ControlNetModel> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (cause) {
    throw new EngineError(
      'controlnet_not_found',
      `cannot read ControlNet '${path}': ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
  return isFolder ? fromFolder(path) : fromFile(path);
}

/** The two graphs' weights: the hint embedding's, and the rest. */
export type ControlNetPart = 'hint' | 'net';

const HINT_PREFIX = 'controlnet_cond_embedding.';

/**
 * How to read the model's weights under diffusers names (`WeightMap.load(reader, selector)`), all or
 * only one graph's.
 * @example
 * const weights = await withWeightReader(model.weightsPath, (r) => WeightMap.load(r, controlNetSelector(model, r.keys())));
 */
export function controlNetSelector(
  model: ControlNetModel,
  storedKeys: readonly string[],
  part?: ControlNetPart,
): WeightSelector {
  const canonical = selectorFor(model.keys, storedKeys, model.config.unet.layersPerBlock);
  return (stored) => {
    const key = canonical(stored);
    if (key === undefined || (part !== undefined && key.startsWith(HINT_PREFIX) !== (part === 'hint'))) {
      return undefined;
    }
    return { key };
  };
}

/**
 * Read one graph's weights (fp16 / bf16 widened to float32).
 * @example
 * const weights = await readControlNetWeights(model, 'hint');
 */
export function readControlNetWeights(model: ControlNetModel, part: ControlNetPart): Promise<WeightMap> {
  return withWeightReader(model.weightsPath, (reader) =>
    WeightMap.load(reader, controlNetSelector(model, reader.keys(), part)),
  );
}
