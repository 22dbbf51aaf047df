/**
 * @module
 * diffusers `Downsample2D` (3x3 conv, stride 2, padding 1) and `Upsample2D` (nearest interpolation,
 * then 3x3 conv) as SD1.x uses them (models/downsampling.py, models/upsampling.py).
 */
import type { Value } from '@momaflow/engine';
import { conv2d } from '@momaflow/engine';
import { convWeights, type WeightScope, withConvDeltas } from '../ldm-config';
import type { UnetBuildContext } from './build-context';

/**
 * Halve the resolution under the current scope (`down_blocks.0.downsamplers.0`).
 * @example
 * const h2 = inScope(b, w, ['downsamplers', 0], (dw) => downsample2d(c, dw, h, 320));
 */
export function downsample2d(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  channels: number,
): Value<'float32'> {
  const weights = convWeights(w, 'conv', { inChannels: channels, outChannels: channels, kernel: 3 });
  const geometry = { stride: 2, padding: 1, name: 'conv' } as const;
  return withConvDeltas(c.b, weights, x, conv2d(c.b, weights, x, geometry), geometry);
}

/**
 * Upsample `x` to the spatial size of `like` (the skip connection the next block concatenates), then
 * conv. For sizes divisible by 2^(levels-1) that is exactly 2x; for others it is diffusers'
 * `upsample_size` path (`F.interpolate(size=...)`, nearest: source index floor(i * in / out)).
 * @example
 * const up = inScope(b, w, ['upsamplers', 0], (uw) => upsample2d(c, uw, h, skip, 1280));
 */
export function upsample2d(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  like: Value<'float32'>,
  channels: number,
): Value<'float32'> {
  const { b } = c;
  const sizes = b.op(
    'Concat',
    [
      b.op('Slice', [b.op('Shape', [x], {}, { dtype: 'int64' }), b.constInt64([0]), b.constInt64([2])]),
      b.op('Slice', [b.op('Shape', [like], {}, { dtype: 'int64' }), b.constInt64([2]), b.constInt64([4])]),
    ],
    { axis: 0 },
  );
  const up = b.op(
    'Resize',
    [x, null, null, sizes],
    { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    { name: 'interpolate' },
  );
  const weights = convWeights(w, 'conv', { inChannels: channels, outChannels: channels, kernel: 3 });
  const geometry = { padding: 1, name: 'conv' } as const;
  return withConvDeltas(b, weights, up, conv2d(b, weights, up, geometry), geometry);
}
