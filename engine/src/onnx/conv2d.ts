/**
 * @module
 * `torch.nn.Conv2d` (NCHW) as one Conv node with the checkpoint's weight layout [out, in/groups, kh, kw].
 */
import { EngineError } from '../errors/engine-error';
import type { Tensor } from '../tensor/tensor';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** Weights of one conv layer, in checkpoint layout. */
export interface Conv2dWeights<D extends FloatDType = FloatDType> {
  /** [out_channels, in_channels / groups, kernel_h, kernel_w]. */
  readonly weight: Tensor<D>;
  /** [out_channels]. */
  readonly bias?: Tensor<D> | undefined;
}

/** Options of `conv2d`; numbers apply to both axes, pairs are [h, w] as in torch. */
export interface Conv2dOptions {
  readonly stride?: number | readonly [number, number];
  /** Symmetric zero padding per side. */
  readonly padding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
  /** Scope to emit the layer under (e.g. `'conv_in'`). */
  readonly name?: string;
}

function pair(v: number | readonly [number, number] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * 2-D convolution of `x` [N, C, H, W].
 * @example
 * const h = conv2d(b, { weight, bias }, x, { stride: 2, padding: 1, name: 'conv' });
 */
export function conv2d<D extends FloatDType>(
  b: OnnxBuilder,
  w: Conv2dWeights<D>,
  x: Value<D>,
  o: Conv2dOptions = {},
): Value<D> {
  const emit = (): Value<D> => {
    const groups = o.groups ?? 1;
    const [outC, inPerGroup, kh, kw] = w.weight.shape;
    if (
      w.weight.rank !== 4 ||
      outC === undefined ||
      inPerGroup === undefined ||
      kh === undefined ||
      kw === undefined
    ) {
      throw new EngineError(
        'invalid_weight',
        `'${b.scopedName('weight')}' must be [out, in/groups, kh, kw], got [${w.weight.shape.join(', ')}]`,
      );
    }
    if (!Number.isInteger(groups) || groups < 1 || outC % groups !== 0) {
      throw new EngineError(
        'invalid_option',
        `'groups' ${groups} must be a positive divisor of ${outC} output channels`,
      );
    }
    const inC = x.shape?.[1];
    if (typeof inC === 'number' && inC !== inPerGroup * groups) {
      throw new EngineError(
        'shape_mismatch',
        `'${b.scopedName('weight')}' expects ${inPerGroup * groups} input channels, '${x.name}' has ${inC}`,
      );
    }
    const [sh, sw] = pair(o.stride, 1);
    const [ph, pw] = pair(o.padding, 0);
    const [dh, dw] = pair(o.dilation, 1);
    const inputs = [x, b.initializer('weight', w.weight)];
    if (w.bias !== undefined) inputs.push(b.initializer('bias', w.bias));
    return b.op('Conv', inputs as [Value<D>, ...Value<D>[]], {
      kernel_shape: [kh, kw],
      strides: [sh, sw],
      pads: [ph, pw, ph, pw],
      dilations: [dh, dw],
      group: groups,
    });
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
