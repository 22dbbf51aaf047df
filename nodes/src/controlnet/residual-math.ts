/**
 * @module
 * Arithmetic on ControlNet residual sets: the sum of a chain (ComfyUI `control_merge` adds the
 * previous ControlNet's outputs to this one's), and the all-zero set for batch rows no ControlNet
 * steers (adding zero leaves the UNet's sums unchanged).
 */
import { Tensor } from '@momaflow/engine';
import type { ControlResiduals } from '../models/controlnet';
import type { UnetLayout } from '../models/unet';

function added(a: Tensor<'float32'>, b: Tensor<'float32'>): Tensor<'float32'> {
  const out = new Float32Array(a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + b.data[i]!;
  return new Tensor('float32', a.shape, out);
}

/**
 * `a + b`, residual by residual.
 * @example
 * const both = addResiduals(canny, depth);
 */
export function addResiduals(a: ControlResiduals, b: ControlResiduals): ControlResiduals {
  return { down: a.down.map((d, i) => added(d, b.down[i]!)), mid: added(a.mid, b.mid) };
}

/** Size of a feature map `resolution` times smaller: each stride-2 conv (padding 1) rounds up. */
function levelSize(size: number, resolution: number): number {
  let s = size;
  for (let r = resolution; r > 1; r /= 2) s = Math.ceil(s / 2);
  return s;
}

/**
 * Zero residuals for `rows` latents of `height` x `width` in a UNet of `layout`.
 * @example
 * const none = zeroResiduals(model.layout, { rows: 2, height: 64, width: 64 });
 */
export function zeroResiduals(
  layout: UnetLayout,
  o: { readonly rows: number; readonly height: number; readonly width: number },
): ControlResiduals {
  const zeros = (channels: number, resolution: number) =>
    Tensor.zeros('float32', [
      o.rows,
      channels,
      levelSize(o.height, resolution),
      levelSize(o.width, resolution),
    ]);
  return {
    down: layout.skips.map((s) => zeros(s.channels, s.resolution)),
    mid: zeros(layout.mid.channels, layout.mid.resolution),
  };
}
