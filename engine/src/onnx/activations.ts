/**
 * @module
 * Activation functions as plain ONNX ops, valid from opset 17 (the Gelu op only exists from opset 20).
 * onnxruntime's optimizer fuses the erf pattern back into one Gelu kernel, so nothing is lost.
 */
import type { FloatDType } from './dtypes';
import { type LinearOptions, type LinearWeights, linear } from './linear';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/**
 * Exact GELU, `0.5 x (1 + erf(x / sqrt 2))` (torch `F.gelu` default).
 * @example
 * const h = gelu(b, x);
 */
export function gelu<D extends FloatDType>(b: OnnxBuilder, x: Value<D>): Value<D> {
  const erf = b.op('Erf', [b.op('Mul', [x, b.constFloat(x.dtype, Math.SQRT1_2)])]);
  const onePlus = b.op('Add', [erf, b.constFloat(x.dtype, 1)]);
  return b.op('Mul', [b.op('Mul', [x, onePlus]), b.constFloat(x.dtype, 0.5)], {}, { shape: x.shape });
}

/**
 * Tanh-approximated GELU, `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` (torch `approximate='tanh'`).
 * @example
 * const h = geluTanh(b, x);
 */
export function geluTanh<D extends FloatDType>(b: OnnxBuilder, x: Value<D>): Value<D> {
  const cube = b.op('Mul', [b.op('Mul', [x, x]), x]);
  const inner = b.op('Add', [x, b.op('Mul', [cube, b.constFloat(x.dtype, 0.044715)])]);
  const t = b.op('Tanh', [b.op('Mul', [inner, b.constFloat(x.dtype, Math.sqrt(2 / Math.PI))])]);
  const onePlus = b.op('Add', [t, b.constFloat(x.dtype, 1)]);
  return b.op('Mul', [b.op('Mul', [x, onePlus]), b.constFloat(x.dtype, 0.5)], {}, { shape: x.shape });
}

/**
 * `x * sigmoid(1.702 x)`: the GELU approximation of OpenAI CLIP (`quick_gelu`, used by SD1.5's text encoder).
 * @example
 * const h = quickGelu(b, x);
 */
export function quickGelu<D extends FloatDType>(b: OnnxBuilder, x: Value<D>): Value<D> {
  const gate = b.op('Sigmoid', [b.op('Mul', [x, b.constFloat(x.dtype, 1.702)])]);
  return b.op('Mul', [x, gate], {}, { shape: x.shape });
}

/**
 * SiLU / swish, `x * sigmoid(x)`.
 * @example
 * const h = silu(b, x);
 */
export function silu<D extends FloatDType>(b: OnnxBuilder, x: Value<D>): Value<D> {
  return b.op('Mul', [x, b.op('Sigmoid', [x])], {}, { shape: x.shape });
}

/**
 * diffusers `GEGLU`: project to 2 * inner features, split in halves `h, gate`, return `h * gelu(gate)`.
 * The projection's initializers live under `o.name` (diffusers calls it `proj`).
 * @example
 * const h = geglu(b, { weight: w['ff.net.0.proj.weight'], bias: w['ff.net.0.proj.bias'] }, x, { name: 'proj' });
 */
export function geglu<D extends FloatDType>(
  b: OnnxBuilder,
  w: LinearWeights<D>,
  x: Value<D>,
  o: LinearOptions = {},
): Value<D> {
  const projected = linear(b, w, x, o);
  const half = (w.weight.shape[0] ?? 0) / 2;
  const [h, gate] = b.opN(
    'Split',
    [projected, b.constInt64([half, half])],
    { axis: -1 },
    {
      dtypes: [x.dtype, x.dtype],
    },
  );
  const shape = x.shape === undefined ? undefined : [...x.shape.slice(0, -1), half];
  return b.op('Mul', [h, gelu(b, gate)], {}, { shape });
}
