/**
 * @module
 * Test-only segmentation models built with the project's graph builder: a deterministic "red is the
 * subject" model (a 1x1 conv R - G/2 - B/2 scaled by 8, then a sigmoid), with a fixed or free input
 * size, a variant that reads each pixel's right-hand neighbour (so it answers an image and its mirror
 * differently), and look-alikes that are not segmentation models (wrong channels, ranks, extra inputs). They
 * exercise Segment's mechanics (resizing, batches, refinement, cut-outs) in milliseconds; the real
 * IS-Net model is tested from models/segment (test/models).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Dim, OnnxBuilder, Tensor, type Value } from '@momaflow/engine';
import { Segment } from './segment';
import type { SegmentModelConfig } from './segment-model-config';

/** Settings of the tiny model: inputs (x - 0.5) / 1, a sigmoid already inside the graph. */
export const TINY_SEGMENT_CONFIG: SegmentModelConfig = {
  mean: [0.5, 0.5, 0.5],
  std: [1, 1, 1],
  activation: 'none',
  normalize: 'none',
};

/** Segment's widget values as the node defines their defaults (what a new node in the editor has). */
export const SEGMENT_DEFAULTS: {
  readonly threshold: number;
  readonly feather: number;
  readonly invert: boolean;
  readonly keep_largest: boolean;
  readonly resolution: number;
  readonly flip_average: boolean;
} = {
  threshold: Segment.inputs.threshold.default,
  feather: Segment.inputs.feather.default,
  invert: Segment.inputs.invert.default,
  keep_largest: Segment.inputs.keep_largest.default,
  resolution: Segment.inputs.resolution.default,
  flip_average: Segment.inputs.flip_average.default,
};

/** Which tiny model to build. */
export type TinySegmentVariant =
  | 'red-subject'
  | 'red-subject-shifted'
  | 'one-channel-input'
  | 'three-channel-output'
  | 'classifier'
  | 'two-inputs'
  | 'int64-input';

function conv1x1(b: OnnxBuilder, x: Value<'float32'>, weights: readonly number[], outChannels: number) {
  const inChannels = weights.length / outChannels;
  const w = b.initializer(
    'weight',
    new Tensor('float32', [outChannels, inChannels, 1, 1], Float32Array.from(weights)),
  );
  return b.op('Conv', [x, w]);
}

/**
 * The model's bytes. `size` fixes H and W; without it they are symbolic.
 * @example
 * const bytes = tinySegmentModel('red-subject', { size: 16 });
 */
export function tinySegmentModel(variant: TinySegmentVariant, o: { size?: number } = {}): Uint8Array {
  const b = OnnxBuilder.create({ name: `tiny-segment-${variant}` });
  const h: Dim = o.size ?? 'height';
  const w: Dim = o.size ?? 'width';
  const red = [8, -4, -4];
  switch (variant) {
    case 'red-subject': {
      const x = b.input('input', 'float32', [1, 3, h, w]);
      b.output(b.op('Sigmoid', [conv1x1(b, x, red, 1)]), 'mask', [1, 1, h, w]);
      break;
    }
    case 'red-subject-shifted': {
      // A 1x3 kernel with only its right tap set, zero-padded: output x is the 1x1 answer at x + 1.
      const x = b.input('input', 'float32', [1, 3, h, w]);
      const weight = b.initializer(
        'weight',
        new Tensor('float32', [1, 3, 1, 3], Float32Array.from(red.flatMap((v) => [0, 0, v]))),
      );
      const y = b.op('Conv', [x, weight], { kernel_shape: [1, 3], pads: [0, 1, 0, 1] });
      b.output(b.op('Sigmoid', [y]), 'mask', [1, 1, h, w]);
      break;
    }
    case 'one-channel-input': {
      const x = b.input('input', 'float32', [1, 1, h, w]);
      b.output(b.op('Sigmoid', [conv1x1(b, x, [8], 1)]), 'mask', [1, 1, h, w]);
      break;
    }
    case 'three-channel-output': {
      const x = b.input('input', 'float32', [1, 3, h, w]);
      b.output(conv1x1(b, x, [...red, ...red, ...red], 3), 'depth', [1, 3, h, w]);
      break;
    }
    case 'classifier': {
      const x = b.input('pixel_values', 'float32', [1, 3, h, w]);
      const pooled = b.op('GlobalAveragePool', [conv1x1(b, x, [...red, ...red], 2)]);
      b.output(b.op('Flatten', [pooled]), 'logits', [1, 2]);
      break;
    }
    case 'two-inputs': {
      const x = b.input('input', 'float32', [1, 3, h, w]);
      const gain = b.input('gain', 'float32', [1]);
      b.output(b.op('Mul', [b.op('Sigmoid', [conv1x1(b, x, red, 1)]), gain]), 'mask', [1, 1, h, w]);
      break;
    }
    case 'int64-input': {
      const ids = b.input('input_ids', 'int64', [1, 77]);
      b.output(b.op('Cast', [ids], { to: 1 }, { dtype: 'float32' }), 'hidden', [1, 77]);
      break;
    }
  }
  return b.build().bytes;
}

/**
 * Writes `<dir>/<name>.onnx` (and `<name>.json` when `config` is given); returns the model's path.
 * @example
 * await writeTinySegmentModel(join(models, 'segment'), 'tiny', { config: TINY_SEGMENT_CONFIG });
 */
export async function writeTinySegmentModel(
  dir: string,
  name: string,
  o: { variant?: TinySegmentVariant; size?: number; config?: SegmentModelConfig } = {},
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.onnx`);
  await writeFile(path, tinySegmentModel(o.variant ?? 'red-subject', { size: o.size }));
  if (o.config !== undefined) await writeFile(join(dir, `${name}.json`), JSON.stringify(o.config));
  return path;
}

/**
 * A [1, H, W, 3] image: blue background, red where `isSubject(x, y)`.
 * @example
 * const image = redOnBlue(20, 16, (x, y) => x >= 4 && x < 12 && y >= 4 && y < 12);
 */
export function redOnBlue(width: number, height: number, isSubject: (x: number, y: number) => boolean) {
  const data = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data.set(isSubject(x, y) ? [0.9, 0.1, 0.1] : [0.1, 0.2, 0.9], p);
    }
  }
  return new Tensor('float32', [1, height, width, 3], data);
}
