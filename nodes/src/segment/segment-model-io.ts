/**
 * @module
 * Checks that an ONNX model has the interface of a segmentation model (one float32 image input
 * [1, 3, H, W], a one-channel mask output [1, 1, H, W] or [1, H, W]) and decides which input and
 * output Segment uses and at what size it feeds the model. A model that is something else (a
 * classifier, a text encoder, a depth model with three channels) is refused here with what was
 * expected and what the file has, before onnxruntime builds a session for it.
 */
import { EngineError, type OnnxIo, type OnnxIoInfo } from '@momaflow/engine';
import type { SegmentSettings, Size2d } from './segment-model-config';

/** How Segment talks to one model. */
export interface SegmentModelIo {
  readonly inputName: string;
  readonly outputName: string;
  /** The size the model is fixed to, or `undefined` when its H and W are symbolic. */
  readonly fixedSize: Size2d | undefined;
  /** The size to feed when the node does not ask for another one. */
  readonly defaultSize: Size2d;
}

const EXPECTED =
  'expected one float32 image input [1, 3, H, W] and a one-channel float32 mask output [1, 1, H, W] or [1, H, W]';

const dimText = (d: number | string | null) => (d === null ? '?' : String(d));
const describe = (v: OnnxIoInfo) =>
  `'${v.name}' ${v.elemType} ${v.shape === undefined ? '(rank unknown)' : `[${v.shape.map(dimText).join(', ')}]`}`;

/** A dimension that is either symbolic/unknown or equal to `value`. */
const fits = (d: number | string | null | undefined, value: number) => typeof d !== 'number' || d === value;

function pickOutput(io: OnnxIo, wanted: string | number): OnnxIoInfo | undefined {
  return typeof wanted === 'number' ? io.outputs[wanted] : io.outputs.find((o) => o.name === wanted);
}

/**
 * @throws EngineError `not_a_segmentation_model`, naming `label` (the file), what was expected and
 * what the model has; or `segment_size_unknown` when nothing fixes the input size.
 * @example
 * const io = describeSegmentIo(readOnnxIo(bytes), settings, "'isnet.onnx'");
 * io.defaultSize; // { height: 1024, width: 1024 }
 */
export function describeSegmentIo(io: OnnxIo, settings: SegmentSettings, label: string): SegmentModelIo {
  function refuse(why: string): never {
    const has = `inputs ${io.inputs.map(describe).join(', ') || '(none)'}; outputs ${io.outputs.map(describe).join(', ')}`;
    throw new EngineError(
      'not_a_segmentation_model',
      `${label} is not a segmentation model Segment can run: ${why}. ${EXPECTED}; it has ${has}`,
      { file: label },
    );
  }
  const image =
    settings.input === undefined ? io.inputs[0] : io.inputs.find((i) => i.name === settings.input);
  if (image === undefined) {
    refuse(settings.input === undefined ? 'it has no inputs' : `it has no input '${settings.input}'`);
  }
  if (io.inputs.length > 1) {
    const others = io.inputs.filter((i) => i !== image).map((i) => `'${i.name}'`);
    refuse(`it also needs ${others.join(', ')}, which Segment cannot feed`);
  }
  const shape = image.shape;
  if (image.elemType !== 'float32') refuse(`input '${image.name}' is ${image.elemType}, not float32`);
  if (shape === undefined || shape.length !== 4) {
    refuse(`input '${image.name}' has rank ${shape?.length ?? 'unknown'}, not 4 (N, C, H, W)`);
  }
  const [batch, channels, height, width] = shape;
  if (!fits(channels, 3)) refuse(`input '${image.name}' has ${channels} channels, not 3 (RGB)`);
  if (!fits(batch, 1)) refuse(`input '${image.name}' has batch ${batch}, not 1`);

  const mask = pickOutput(io, settings.output);
  if (mask === undefined) refuse(`it has no output ${JSON.stringify(settings.output)}`);
  if (mask.elemType !== 'float32') refuse(`output '${mask.name}' is ${mask.elemType}, not float32`);
  const outShape = mask.shape;
  if (outShape !== undefined) {
    if (outShape.length !== 3 && outShape.length !== 4) {
      refuse(`output '${mask.name}' has rank ${outShape.length}, not 3 or 4`);
    }
    if (outShape.length === 4 && !fits(outShape[1], 1)) {
      refuse(`output '${mask.name}' has ${outShape[1]} channels, not 1`);
    }
  }

  const fixedSize = typeof height === 'number' && typeof width === 'number' ? { height, width } : undefined;
  const explicit = settings.inputSize;
  if (fixedSize && explicit && (explicit.height !== fixedSize.height || explicit.width !== fixedSize.width)) {
    refuse(
      `${settings.origin} sets inputSize ${explicit.height}x${explicit.width} but the model takes ${fixedSize.height}x${fixedSize.width}`,
    );
  }
  const defaultSize = fixedSize ?? explicit ?? settings.presetInputSize;
  if (defaultSize === undefined) {
    throw new EngineError(
      'segment_size_unknown',
      `${label} takes any input size and ${settings.origin} names none; set "inputSize" in its JSON config`,
      { file: label },
    );
  }
  return { inputName: image.name, outputName: mask.name, fixedSize, defaultSize };
}
