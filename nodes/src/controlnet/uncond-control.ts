/**
 * @module
 * ComfyUI's `apply_empty_x_to_equal_area(..., 'control', ...)` (comfy/samplers.py `process_conds`):
 * when ControlNets were applied with the legacy node to the positive side only, negative entries
 * without a ControlNet get the positive side's, so CFG compares like with like. Nothing changes when
 * any negative entry already has one.
 */
import type { Conditioning } from '../diffusion/diffusion-types';
import type { ControlApplication } from './control-types';

/**
 * The negative conditioning with the legacy-applied ControlNets of `positive` filled in.
 * @example
 * const negative = withUncondControl(positive, negative);
 */
export function withUncondControl(positive: Conditioning, negative: Conditioning): Conditioning {
  if (negative.some((e) => e.control !== undefined)) return negative;
  const fill: ControlApplication[] = positive.flatMap((e) =>
    e.control?.applyToUncond === true ? [e.control] : [],
  );
  if (fill.length === 0 || negative.length === 0) return negative;
  const out = [...negative];
  // ComfyUI cycles over the uncontrolled entries; with more ControlNets than entries the last wins.
  fill.forEach((control, i) => {
    const at = i % negative.length;
    out[at] = { ...negative[at]!, control };
  });
  return out;
}
