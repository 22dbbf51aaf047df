/**
 * @module
 * How to feed a salient-object / background-removal ONNX model and read its answer, per model: input
 * size, pixel normalisation, channel order, which output, and what turns it into a [0,1] mask. The
 * common exports follow their authors' inference code (also what rembg does for them):
 * - IS-Net (xuebinqin/DIS `IS-Net/Inference.py`): 1024x1024, (x - 0.5) / 1, output already sigmoid,
 *   min-max normalised;
 * - U2-Net / U2-NetP / silueta (xuebinqin/U-2-Net `u2net_test.py`): 320x320, ImageNet mean/std,
 *   output already sigmoid, min-max normalised;
 * - BiRefNet (ZhengPeng7/BiRefNet `inference.py`): 1024x1024, ImageNet mean/std, logits -> sigmoid.
 * A file's settings come from `<name>.json` beside `<name>.onnx` (zod-checked; may name a preset and
 * override fields), else from the preset its file name matches.
 */
import { EngineError, zDict } from '@momaflow/engine';
import { z } from 'zod';
import { parseConfigJson } from '../models/ldm-config';

const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

const zTriple = z.tuple([z.number(), z.number(), z.number()]).readonly();
const zStd = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).readonly();
const zSide = z.number().int().min(8).max(8192);

/** What the fields mean; every one is optional in a file, presets and the model fill the rest. */
const zSegmentSettings = z.strictObject({
  /** Side of the square model input, or [height, width]. */
  inputSize: z.union([zSide, z.tuple([zSide, zSide]).readonly()]),
  /** Per-channel mean and std applied to pixels in [0,1]: (x - mean) / std. */
  mean: zTriple,
  std: zStd,
  channelOrder: z.enum(['rgb', 'bgr']),
  /** The graph input to feed; default the only one. */
  input: z.string().min(1),
  /** The graph output holding the mask, by name or index; default the first. */
  output: z.union([z.string().min(1), z.number().int().min(0)]),
  /** `sigmoid` when the output is logits, `none` when it is already a probability. */
  activation: z.enum(['none', 'sigmoid']),
  /** `minmax` stretches each prediction to [0,1], as the IS-Net and U2-Net reference code does. */
  normalize: z.enum(['none', 'minmax']),
});

/** The presets matched by file name (see `presetForFile`). */
export const SEGMENT_PRESETS = {
  isnet: { inputSize: 1024, mean: [0.5, 0.5, 0.5], std: [1, 1, 1], activation: 'none', normalize: 'minmax' },
  u2net: { inputSize: 320, mean: IMAGENET_MEAN, std: IMAGENET_STD, activation: 'none', normalize: 'minmax' },
  birefnet: {
    inputSize: 1024,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    activation: 'sigmoid',
    normalize: 'none',
  },
} as const satisfies Record<string, Partial<z.input<typeof zSegmentSettings>>>;

export type SegmentPreset = keyof typeof SEGMENT_PRESETS;
const PRESET_NAMES = Object.keys(SEGMENT_PRESETS) as [SegmentPreset, ...SegmentPreset[]];

/**
 * The JSON file beside a model. `source` and `license` are informational (where the file came from),
 * kept so `momaflow models pull` can record them next to the settings.
 */
export const zSegmentModelConfig = zSegmentSettings.partial().extend({
  preset: z.enum(PRESET_NAMES).optional(),
  source: zDict(z.string()).optional(),
  license: z.string().optional(),
});
export type SegmentModelConfig = z.infer<typeof zSegmentModelConfig>;

/** A model input size in pixels. */
export interface Size2d {
  readonly height: number;
  readonly width: number;
}

/** Settings with everything but the model's own input size and I/O names decided. */
export interface SegmentSettings {
  /** Set by the file: the model must take exactly this size. */
  readonly inputSize: Size2d | undefined;
  /** The preset's size, used when neither the file nor the model fixes one. */
  readonly presetInputSize: Size2d | undefined;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly channelOrder: 'rgb' | 'bgr';
  readonly input: string | undefined;
  readonly output: string | number;
  readonly activation: 'none' | 'sigmoid';
  readonly normalize: 'none' | 'minmax';
  /** Where the settings came from, for messages: `isnet.json`, `preset 'isnet'`, ... */
  readonly origin: string;
}

// Longest names first so `u2net` does not claim `birefnet`-like names; silueta is a small U2-Net.
const NAME_PATTERNS: readonly (readonly [RegExp, SegmentPreset])[] = [
  [/birefnet/i, 'birefnet'],
  [/isnet|(^|[^a-z])dis([^a-z]|$)/i, 'isnet'],
  [/u2net|silueta/i, 'u2net'],
];

/**
 * The preset a model file's name implies, if any.
 * @example
 * presetForFile('isnet-general-use.onnx'); // 'isnet'
 * presetForFile('BiRefNet-general-epoch_244.onnx'); // 'birefnet'
 */
export function presetForFile(fileName: string): SegmentPreset | undefined {
  return NAME_PATTERNS.find(([pattern]) => pattern.test(fileName))?.[1];
}

function toSize(size: number | readonly [number, number] | undefined): Size2d | undefined {
  if (size === undefined) return undefined;
  return typeof size === 'number' ? { height: size, width: size } : { height: size[0], width: size[1] };
}

/**
 * Parses the JSON beside a model (already decoded).
 * @throws EngineError `invalid_model_config` naming `source` and the bad field.
 */
export function parseSegmentModelConfig(json: unknown, source: string): SegmentModelConfig {
  return parseConfigJson(json, zSegmentModelConfig, source);
}

/**
 * Merges preset (named in the file, else matched by the model's name) and file fields.
 * @throws EngineError `segment_config_missing` when neither says how to normalise the input.
 * @example
 * resolveSegmentSettings({ fileName: 'isnet.onnx', config: undefined, configName: 'isnet.json' }).mean; // [0.5, 0.5, 0.5]
 */
export function resolveSegmentSettings(o: {
  readonly fileName: string;
  readonly config: SegmentModelConfig | undefined;
  readonly configName: string;
}): SegmentSettings {
  const presetName = o.config?.preset ?? presetForFile(o.fileName);
  const preset: Partial<z.input<typeof zSegmentSettings>> = presetName ? SEGMENT_PRESETS[presetName] : {};
  const merged = { ...preset, ...o.config };
  const { mean, std, activation, normalize } = merged;
  if (mean === undefined || std === undefined || activation === undefined || normalize === undefined) {
    const missing = Object.entries({ mean, std, activation, normalize })
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    throw new EngineError(
      'segment_config_missing',
      `'${o.fileName}': no preset matches its name (${PRESET_NAMES.join(', ')}) and ${o.config ? `${o.configName} does not set ${missing.join(', ')}` : `there is no ${o.configName} beside it`}; ` +
        `add ${o.configName} with e.g. {"preset": "isnet"} or {"mean": [...], "std": [...], "activation": "none", "normalize": "minmax"}`,
      { file: o.fileName },
    );
  }
  const origin = o.config ? o.configName : `preset '${presetName}'`;
  return {
    inputSize: toSize(o.config?.inputSize),
    presetInputSize: toSize(preset.inputSize),
    mean,
    std,
    channelOrder: merged.channelOrder ?? 'rgb',
    input: merged.input,
    output: merged.output ?? 0,
    activation,
    normalize,
    origin,
  };
}
