/**
 * @module
 * Scalar float32 arithmetic as torch does it on 0-dim float32 tensors, for the few places where
 * ComfyUI's rounding decides a discrete outcome: the UNet timestep of a sigma lies near the midpoint
 * of two integer timesteps (the fixtures README's "tie-sensitive" runs), so the sigma a sampler asks
 * the model at must carry the same float32 bits as ComfyUI's. Each function rounds its operands and
 * result to float32 once per torch op; `Math.log` / `Math.exp` are accurate to well under a float32
 * ulp, so rounding them gives glibc `logf` / `expf`'s correctly rounded result.
 */

/** Round to float32. */
export const f32 = Math.fround;

/** `a + b` in float32. */
export const addF32 = (a: number, b: number): number => f32(f32(a) + f32(b));
/** `a - b` in float32. */
export const subF32 = (a: number, b: number): number => f32(f32(a) - f32(b));
/** `a * b` in float32. */
export const mulF32 = (a: number, b: number): number => f32(f32(a) * f32(b));
/** `a / b` in float32. */
export const divF32 = (a: number, b: number): number => f32(f32(a) / f32(b));
/** `sqrt(a)` in float32 (torch's `** 0.5`). */
export const sqrtF32 = (a: number): number => f32(Math.sqrt(f32(a)));
/** `log(a)` in float32. */
export const logF32 = (a: number): number => f32(Math.log(f32(a)));
/** `exp(a)` in float32. */
export const expF32 = (a: number): number => f32(Math.exp(f32(a)));

/**
 * torch's `lerp(start, end, weight)` in float32: `start + w (end - start)` for |w| < 0.5, else
 * `end - (end - start)(1 - w)`, the branch that keeps w = 1 exact.
 * @example
 * lerpF32(1, 3, 0.5); // 2
 */
export function lerpF32(start: number, end: number, weight: number): number {
  const diff = subF32(end, start);
  if (Math.abs(weight) < 0.5) return f32(f32(start) + f32(f32(weight) * diff));
  return f32(f32(end) - f32(diff * f32(1 - weight)));
}

/**
 * k-diffusion `get_ancestral_step` in float32, one rounding per torch op: sigma_down, the level a
 * deterministic step goes down to, and sigma_up, the std of the fresh noise added after it, so the
 * marginal level is sigma_to.
 * @example
 * ancestralStepF32(2, 1, 1); // { sigmaDown: 0.5, sigmaUp: 0.8660254 }
 */
export function ancestralStepF32(
  sigmaFrom: number,
  sigmaTo: number,
  eta: number,
): { sigmaDown: number; sigmaUp: number } {
  if (!eta) return { sigmaDown: f32(sigmaTo), sigmaUp: 0 };
  const to2 = mulF32(sigmaTo, sigmaTo);
  const from2 = mulF32(sigmaFrom, sigmaFrom);
  const up = mulF32(eta, sqrtF32(divF32(mulF32(to2, subF32(from2, to2)), from2)));
  const sigmaUp = Math.min(f32(sigmaTo), up);
  return { sigmaDown: sqrtF32(subF32(to2, mulF32(sigmaUp, sigmaUp))), sigmaUp };
}

/**
 * The geometric midpoint `exp(lerp(log a, log b, 0.5))` as k-diffusion's DPM-2 computes it in float32.
 * @example
 * logMidpointF32(4, 1); // 2
 */
export function logMidpointF32(a: number, b: number): number {
  return expF32(lerpF32(logF32(a), logF32(b), 0.5));
}

/**
 * exp(-(t + r (t_to - t))) with t = -log(sigma): the level a fraction r of the way from sigma to
 * sigmaTo in log-sigma, in float32 as DPM-Solver++'s sub-steps compute it.
 * @example
 * logStepLevelF32(4, 1, 0.5); // 2
 */
export function logStepLevelF32(sigma: number, sigmaTo: number, r: number): number {
  const t = -logF32(sigma);
  return expF32(-addF32(t, mulF32(r, subF32(-logF32(sigmaTo), t))));
}
