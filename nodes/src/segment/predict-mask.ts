/**
 * @module
 * One image through a segmentation model: resize to the model's input size (bilinear, as the IS-Net,
 * U2-Net and BiRefNet reference code does), normalise into NCHW, run, turn the chosen output into a
 * [0,1] probability map (sigmoid and/or min-max, per the model's settings) and resize it back to the
 * image's size (bilinear when growing, area averaging when shrinking). On request the mirrored image
 * runs too and the two maps are averaged (test-time flip augmentation).
 */
import { EngineError, fromOrtTensor, type OnnxSession, Tensor, toOrtTensor } from '@momaflow/engine';
import { mirrorHorizontally, resample } from '../image';
import type { SegmentSettings, Size2d } from './segment-model-config';
import type { Segmenter } from './segment-types';

/** The RGB plane of image `index` of an NHWC batch (grey replicated, alpha dropped), as [1, H, W, 3]. */
export function rgbOf(images: Tensor<'float32'>, index: number): Tensor<'float32'> {
  const [, height = 0, width = 0, channels = 0] = images.shape;
  const pixels = height * width;
  const rgb = new Float32Array(pixels * 3);
  const base = index * pixels * channels;
  const colour = channels >= 3 ? 3 : 1;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = images.data[base + p * channels + (colour === 1 ? 0 : c)]!;
  }
  return new Tensor('float32', [1, height, width, 3], rgb);
}

/** NHWC [1, h, w, 3] in [0,1] -> NCHW [1, 3, h, w] normalised as the model expects. */
function toModelInput(rgb: Tensor<'float32'>, s: SegmentSettings): Tensor<'float32'> {
  const [, height = 0, width = 0] = rgb.shape;
  const plane = height * width;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const src = s.channelOrder === 'bgr' ? 2 - c : c;
    const mean = s.mean[c]!;
    const inv = 1 / s.std[c]!;
    for (let p = 0; p < plane; p++) out[c * plane + p] = (rgb.data[p * 3 + src]! - mean) * inv;
  }
  return new Tensor('float32', [1, 3, height, width], out);
}

/** The model's output as an [h, w] plane in [0,1]. */
function toProbabilities(output: Tensor<'float32'>, s: SegmentSettings, name: string): Tensor<'float32'> {
  const shape = output.shape;
  const ok =
    (shape.length === 4 && shape[0] === 1 && shape[1] === 1) || (shape.length === 3 && shape[0] === 1);
  if (!ok) {
    throw new EngineError(
      'not_a_segmentation_model',
      `'${name}' returned a [${shape.join(', ')}] output; a mask output is [1, 1, H, W] or [1, H, W]`,
      { file: name },
    );
  }
  const [height = 0, width = 0] = shape.slice(-2);
  let values = output.data.map((v) => (s.activation === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v));
  if (s.normalize === 'minmax') {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const range = hi - lo;
    // A constant prediction has no contrast to stretch: keep it (clamped) rather than divide by 0.
    if (range > 0) values = values.map((v) => (v - lo) / range);
  }
  values = values.map((v) => Math.min(1, Math.max(0, v)));
  return new Tensor('float32', [1, height, width, 1], values);
}

/** One run of the model on an image already at the model's size: its [1, h, w, 1] probabilities. */
async function runModel(
  session: OnnxSession,
  segmenter: Segmenter,
  scaled: Tensor<'float32'>,
): Promise<Tensor<'float32'>> {
  const { inputName, outputName } = segmenter.io;
  const out = await session.run({ [inputName]: toOrtTensor(toModelInput(scaled, segmenter.settings)) }, [
    outputName,
  ]);
  const raw = out[outputName];
  if (raw === undefined) {
    throw new EngineError('missing_output', `'${segmenter.name}' returned no '${outputName}'`);
  }
  return toProbabilities(fromOrtTensor(raw, 'float32'), segmenter.settings, segmenter.name);
}

/**
 * The subject probability of every pixel of image `index` of `images`, [H, W] in [0,1]. With
 * `flipAverage`, the mean of the predictions for the image and its mirror (mirrored back): a model
 * unsure of part of a subject (shade, low contrast) often answers the mirror differently, and the mean
 * is steadier than either, at twice the cost.
 * @example
 * const p = await predictMask({ session: lease.session, segmenter, images, index: 0, size: segmenter.io.defaultSize });
 */
export async function predictMask(o: {
  readonly session: OnnxSession;
  readonly segmenter: Segmenter;
  readonly images: Tensor<'float32'>;
  readonly index: number;
  readonly size: Size2d;
  readonly flipAverage?: boolean;
}): Promise<Float32Array> {
  const { session, segmenter, size } = o;
  const [, height = 0, width = 0] = o.images.shape;
  const scaled = resample(rgbOf(o.images, o.index), { ...size, method: 'bilinear' });
  let probabilities = await runModel(session, segmenter, scaled);
  if (o.flipAverage === true) {
    const mirrored = mirrorHorizontally(await runModel(session, segmenter, mirrorHorizontally(scaled)));
    probabilities = new Tensor(
      'float32',
      probabilities.shape,
      probabilities.data.map((v, p) => (v + mirrored.data[p]!) / 2),
    );
  }
  // Averaging (area) when shrinking: a bilinear shrink samples 2 of every n model pixels per axis and
  // aliases thin parts of the mask away.
  const shrinks = height <= size.height && width <= size.width;
  return resample(probabilities, { width, height, method: shrinks ? 'area' : 'bilinear' }).data;
}
