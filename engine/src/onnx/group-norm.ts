/**
 * @module
 * `torch.nn.GroupNorm` over NC... inputs. From opset 21 it is one GroupNormalization node (checked
 * against a TS reference on onnxruntime 1.30 CPU: per-channel scale and bias, as opset 21 specifies;
 * opset 18's per-group variant is never emitted). Below 21 it is the torch-exporter decomposition:
 * Reshape to [N, G, -1], InstanceNormalization with unit scale, Reshape back, per-channel affine.
 */
import { EngineError } from '../errors/engine-error';
import type { Tensor } from '../tensor/tensor';
import { attrFloat } from './attributes';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** Affine parameters, [channels] each; leave both out for `affine=False`. */
export interface GroupNormWeights<D extends FloatDType = FloatDType> {
  readonly weight?: Tensor<D> | undefined;
  readonly bias?: Tensor<D> | undefined;
}

/** Options of `groupNorm`. */
export interface GroupNormOptions {
  readonly groups: number;
  /** Default 1e-5, torch's default (SD's VAE and UNet use 1e-6 in places). */
  readonly eps?: number;
  /** Channel count; needed only without weights and without a static channel dim on `x`. */
  readonly channels?: number;
  readonly name?: string;
}

function channelCount<D extends FloatDType>(
  w: GroupNormWeights<D>,
  x: Value<D>,
  o: GroupNormOptions,
): number {
  const c = w.weight?.shape[0] ?? w.bias?.shape[0] ?? o.channels ?? x.shape?.[1];
  if (typeof c !== 'number') {
    throw new EngineError(
      'unknown_dim',
      `groupNorm on '${x.name}' needs weights, 'channels' or a static channel dim`,
    );
  }
  if (!Number.isInteger(o.groups) || o.groups < 1 || c % o.groups !== 0) {
    throw new EngineError(
      'invalid_option',
      `'groups' ${o.groups} must be a positive divisor of ${c} channels`,
    );
  }
  return c;
}

/**
 * Group normalization of `x` [N, C, ...].
 * @example
 * const h = groupNorm(b, w, x, { groups: 32, eps: 1e-6, name: 'norm1' });
 */
export function groupNorm<D extends FloatDType>(
  b: OnnxBuilder,
  w: GroupNormWeights<D>,
  x: Value<D>,
  o: GroupNormOptions,
): Value<D> {
  const emit = (): Value<D> => {
    const c = channelCount(w, x, o);
    const eps = o.eps ?? 1e-5;
    if (b.opset >= 21) {
      const scale =
        w.weight === undefined
          ? b.constFloat(x.dtype, new Array<number>(c).fill(1))
          : b.initializer('weight', w.weight);
      const bias =
        w.bias === undefined
          ? b.constFloat(x.dtype, new Array<number>(c).fill(0))
          : b.initializer('bias', w.bias);
      return b.op(
        'GroupNormalization',
        [x, scale, bias],
        { num_groups: o.groups, epsilon: attrFloat(eps) },
        { shape: x.shape },
      );
    }
    const grouped = b.op('Reshape', [x, b.constInt64([0, o.groups, -1])]);
    const unitScale = b.constFloat(x.dtype, new Array<number>(o.groups).fill(1));
    const zeroBias = b.constFloat(x.dtype, new Array<number>(o.groups).fill(0));
    const normed = b.op('InstanceNormalization', [grouped, unitScale, zeroBias], { epsilon: attrFloat(eps) });
    let y = b.op('Reshape', [normed, b.op('Shape', [x], {}, { dtype: 'int64' })], {}, { shape: x.shape });
    // Scale and bias are [C]; make them [C, 1, ...] so they broadcast over the spatial axes.
    const perChannel = (t: Tensor<D>, local: string): Value<D> => {
      const axes = b.constInt64(Array.from({ length: (x.shape?.length ?? 4) - 2 }, (_, i) => i + 1));
      return b.op('Unsqueeze', [b.initializer(local, t), axes]);
    };
    if (w.weight !== undefined) y = b.op('Mul', [y, perChannel(w.weight, 'weight')], {}, { shape: x.shape });
    if (w.bias !== undefined) y = b.op('Add', [y, perChannel(w.bias, 'bias')], {}, { shape: x.shape });
    return y;
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
