/**
 * @module
 * `F.interpolate(x, scale_factor=2, mode='nearest')` on NCHW as one Resize node.
 */
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Dim, Value } from './value';

function doubledShape(shape: readonly Dim[] | undefined): Dim[] | undefined {
  if (shape === undefined || shape.length !== 4) return undefined;
  const [n, c, h, w] = shape as [Dim, Dim, Dim, Dim];
  return typeof h === 'number' && typeof w === 'number' ? [n, c, h * 2, w * 2] : undefined;
}

/**
 * Nearest-neighbour 2x upsampling of `x` [N, C, H, W]. 'asymmetric' + 'floor' picks source index
 * `floor(i / 2)`, torch's nearest rule; the ONNX default (half_pixel, round_prefer_floor) happens to
 * agree at exactly 2x but not at other factors, so the torch rule is spelled out.
 * @example
 * const up = upsampleNearest2x(b, h);
 */
export function upsampleNearest2x<D extends FloatDType>(b: OnnxBuilder, x: Value<D>): Value<D> {
  const scales = b.constFloat('float32', [1, 1, 2, 2]);
  return b.op(
    'Resize',
    [x, null, scales],
    { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    { shape: doubledShape(x.shape) },
  );
}
