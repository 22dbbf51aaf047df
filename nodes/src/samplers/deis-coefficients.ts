/**
 * @module
 * The DEIS "tAB" coefficients (Zhang & Chen 2023, arXiv 2204.13902) as ComfyUI computes them
 * (`comfy/k_diffusion/deis.py`, from zju-pi/diff-sampler): the sigmas are mapped to the time t of a
 * VP SDE fitted to EDM's range (sigma 0.002..80, epsilon 1e-3), and each coefficient is the integral
 * of d sigma / dt times a Lagrange basis polynomial in t over the step, taken as diff-sampler does:
 * a sum over 10,000 evenly spaced points (both ends included) times (t_next - t_cur) / 10,000.
 */

const EDM = { sigmaMin: 0.002, sigmaMax: 80, epsilonS: 1e-3 };
const POINTS = 10_000;

/** The fitted VP schedule: beta_0 = beta_min and beta_1 = beta_d + beta_min (deis.py `edm2t`). */
const VP = (() => {
  const { sigmaMin, sigmaMax, epsilonS } = EDM;
  const betaD = (2 * (Math.log(sigmaMin ** 2 + 1) / epsilonS - Math.log(sigmaMax ** 2 + 1))) / (epsilonS - 1);
  const betaMin = Math.log(sigmaMax ** 2 + 1) - 0.5 * betaD;
  return { betaD, betaMin, beta0: betaMin, beta1: betaD + betaMin };
})();

/** The VP time of a sigma: `vp_sigma_inv`. */
function vpTime(sigma: number): number {
  const { betaD, betaMin } = VP;
  return (Math.sqrt(betaMin ** 2 + 2 * betaD * Math.log(sigma ** 2 + 1)) - betaMin) / betaD;
}

/** d sigma / dt at VP time tau (deis.py `cal_intergrand`, with d log alpha / dt in closed form). */
function integrand(tau: number): number {
  const { beta0, beta1 } = VP;
  const logAlpha = -0.5 * tau ** 2 * (beta1 - beta0) - tau * beta0;
  const alpha = Math.exp(logAlpha);
  const dLogAlpha = -tau * (beta1 - beta0) - beta0;
  return (-0.5 * dLogAlpha) / Math.sqrt(alpha * (1 - alpha));
}

/** torch.linspace(a, b, n)[k] in float64. */
function linspaceAt(a: number, b: number, n: number, k: number): number {
  const step = (b - a) / (n - 1);
  return k < n / 2 ? a + step * k : b - step * (n - 1 - k);
}

/**
 * The coefficients of step i at the given order, [current slope, previous, ...]: x_next = x +
 * sum_j c_j d_{i-j}. Order 1 is Euler and has none ([]).
 * @example
 * deisCoefficients(sigmas, 2, 3); // three coefficients for d_2, d_1, d_0
 */
export function deisCoefficients(sigmas: readonly number[], i: number, order: number): number[] {
  if (order <= 1) return [];
  const tCur = vpTime(sigmas[i]!);
  const tNext = vpTime(sigmas[i + 1]!);
  const prev = Array.from({ length: order }, (_, k) => vpTime(sigmas[i - k]!));
  const dtau = (tNext - tCur) / POINTS;
  const coeffs = new Array<number>(order).fill(0);
  for (let p = 0; p < POINTS; p++) {
    const tau = linspaceAt(tCur, tNext, POINTS, p);
    const f = integrand(tau);
    for (let j = 0; j < order; j++) {
      let poly = 1;
      for (let k = 0; k < order; k++) if (k !== j) poly *= (tau - prev[k]!) / (prev[j]! - prev[k]!);
      coeffs[j]! += f * poly;
    }
  }
  return coeffs.map((c) => c * dtau);
}
