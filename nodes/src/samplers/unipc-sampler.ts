/**
 * @module
 * UniPC (Zhao et al. 2023, arXiv 2302.04867), multistep, data prediction, B(h) variants bh1 / bh2:
 * ComfyUI's `comfy/extra_samplers/uni_pc.py` `sample_unipc` as KSampler runs it. It works on the
 * variance-preserving x_vp = x / sqrt(1 + sigma^2) with lambda = -log(sigma), replaces a trailing
 * sigma 0 by 0.001, and uses order min(3, steps - 1) with lower orders at the start and the end.
 *
 * Each update to sigma_k predicts x_k from the past x0 estimates (UniP), evaluates the model at the
 * prediction, and corrects x_k with that evaluation (UniC), which is also the x0 estimate the next
 * update starts from; the last update is a predictor only. So step 0 evaluates twice (at x_0, then at
 * the prediction of x_1), the last step not at all, the others once: one evaluation per step in all.
 * One deliberate difference: ComfyUI returns the unchanged (scaled) noise for a single step (its
 * order is 0 then, and no update runs); here one step is a first-order update to 0.001.
 */
import { type Tensor, Tensor as TensorValue } from '@momaflow/engine';
import type { ModelQuery, Sampler, SamplerState, StepInput } from './sampler';
import { finishStep, nextStage, pushHistory } from './sampler';
import { kDiffusionSampler, requireModel } from './sampler-kit';
import { map2 } from './tensor-math';

/** UniPC's B(h): bh1 = h, bh2 = e^h - 1 (hh = -h for data prediction). */
export type UniPcVariant = 'bh1' | 'bh2';

/** Where UniPC stops instead of sigma 0. */
const FINAL_SIGMA = 0.001;

/** SigmaConvert: alpha = 1 / sqrt(1 + s^2), the VP std = s alpha, lambda = -log(s). */
const alphaOf = (s: number): number => 1 / Math.sqrt(1 + s * s);
const stdOf = (s: number): number => s / Math.sqrt(1 + s * s);
const lambdaOf = (s: number): number => -Math.log(s);

/** The level update k goes to: the trailing 0 becomes 0.001. */
const levelAt = (levels: readonly number[], k: number): number =>
  k === levels.length - 1 && levels[k] === 0 ? FINAL_SIGMA : levels[k]!;

/** Solves the small dense system A x = b (Gaussian elimination with partial pivoting). */
function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row.slice(0, n), b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= m[r]![c]! * x[c]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Everything an update to level k computes before its model evaluation. */
interface Update {
  readonly order: number;
  readonly corrector: boolean;
  readonly target: number;
  /** The first-order part of the update in VP space (`x_t_`). */
  readonly base: Tensor;
  /** (D_{prev_i} - D_prev0) / r_i for i = 1 .. order - 1. */
  readonly differences: readonly Tensor[];
  readonly rhos: { readonly predictor: readonly number[]; readonly corrector: readonly number[] };
  /** alpha_t B(h). */
  readonly scale: number;
}

/** The coefficients and first-order part of the update from state.index to state.index + 1. */
function planUpdate(state: SamplerState, variant: UniPcVariant): Update {
  const steps = state.levels.length - 1;
  const maxOrder = steps === 1 ? 1 : Math.min(3, steps - 1);
  const k = state.index + 1;
  const order = k < maxOrder ? k : Math.min(maxOrder, steps + 1 - k);
  const from = levelAt(state.levels, state.index);
  const target = levelAt(state.levels, k);
  const h = lambdaOf(target) - lambdaOf(from);
  const hh = -h;
  const hPhi1 = Math.expm1(hh);
  const bH = variant === 'bh1' ? hh : Math.expm1(hh);
  const history = state.history;
  const latest = history.at(-1)!;
  const rks: number[] = [];
  const differences: Tensor[] = [];
  for (let i = 1; i < order; i++) {
    const rk = (lambdaOf(levelAt(state.levels, state.index - i)) - lambdaOf(from)) / h;
    rks.push(rk);
    differences.push(map2(history.at(-1 - i)!, latest, (p, l) => (p - l) / rk));
  }
  rks.push(1);
  const rows: number[][] = [];
  const b: number[] = [];
  let hPhiK = hPhi1 / hh - 1;
  let factorial = 1;
  for (let i = 1; i <= order; i++) {
    rows.push(rks.map((r) => r ** (i - 1)));
    b.push((hPhiK * factorial) / bH);
    factorial *= i + 1;
    hPhiK = hPhiK / hh - 1 / factorial;
  }
  const predictor =
    order === 1
      ? []
      : order === 2
        ? [0.5]
        : solve(
            rows.slice(0, -1).map((r) => r.slice(0, -1)),
            b.slice(0, -1),
          );
  const corrector = order === 1 ? [0.5] : solve(rows, b);
  const alphaT = alphaOf(target);
  const ratio = stdOf(target) / stdOf(from);
  const toVp = alphaOf(from);
  const base = map2(state.x, latest, (x, d) => ratio * (x * toVp) - alphaT * hPhi1 * d);
  return {
    order,
    corrector: k !== steps,
    target,
    base,
    differences,
    rhos: { predictor, corrector },
    scale: alphaT * bH,
  };
}

/** base - scale * (sum_i rhos[i] differences[i] + last * extra), mapped back to sigma space at `target`. */
function combine(
  u: Update,
  rhos: readonly number[],
  extra?: { readonly rho: number; readonly d: Tensor },
): Tensor {
  const out = new Float32Array(u.base.size);
  const toSigma = 1 / alphaOf(u.target);
  for (let e = 0; e < out.length; e++) {
    let residual = extra === undefined ? 0 : extra.rho * extra.d.data[e]!;
    for (let i = 0; i < u.differences.length && i < rhos.length; i++)
      residual += rhos[i]! * u.differences[i]!.data[e]!;
    out[e] = (u.base.data[e]! - u.scale * residual) * toSigma;
  }
  return new TensorValue('float32', u.base.shape, out);
}

/**
 * A UniPC sampler (KSampler's `uni_pc` = bh1, `uni_pc_bh2` = bh2).
 * @example
 * const sampler = createUniPcSampler({ variant: 'bh2' });
 */
export function createUniPcSampler(options: { readonly variant: UniPcVariant }): Sampler {
  const { variant } = options;
  const name = variant === 'bh1' ? 'uni_pc' : 'uni_pc_bh2';
  const isWarmUp = (state: SamplerState): boolean => state.index === 0 && state.history.length === 0;
  /** The predictor: either the final sample, or a stage that evaluates at the prediction. */
  const predict = (state: SamplerState): SamplerState => {
    const u = planUpdate(state, variant);
    const predicted = combine(u, u.rhos.predictor);
    if (!u.corrector) return finishStep(state, { x: predicted, denoised: state.denoised });
    const query: ModelQuery = { x: predicted, level: state.levels[state.index + 1]! };
    return nextStage(state, { query, denoised: state.denoised });
  };
  return kDiffusionSampler({
    name,
    query: (state) =>
      state.stage?.query ?? (isWarmUp(state) ? { x: state.x, level: state.levels[0]! } : null),
    step(state: SamplerState, input: StepInput): SamplerState {
      if (isWarmUp(state) && state.stage === null) {
        const first = requireModel(name, state, input);
        return predict({ ...state, history: [first], denoised: first });
      }
      if (state.stage === null) return predict(state);
      const model = requireModel(name, state, input);
      const u = planUpdate({ ...state, stage: null }, variant);
      const rho = u.rhos.corrector.at(-1)!;
      const latest = state.history.at(-1)!;
      const x = combine(u, u.rhos.corrector.slice(0, -1), { rho, d: map2(model, latest, (m, l) => m - l) });
      // Three x0 estimates cover the highest order.
      const history = pushHistory(state.history, model, 3);
      return finishStep(state, { x, denoised: model, history });
    },
  });
}

/**
 * `uni_pc` (bh1).
 * @example
 * const x = await sample({ sampler: uniPcSampler, levels: sigmas, x: x0, denoise });
 */
export const uniPcSampler: Sampler = createUniPcSampler({ variant: 'bh1' });

/**
 * `uni_pc_bh2`.
 * @example
 * const x = await sample({ sampler: uniPcBh2Sampler, levels: sigmas, x: x0, denoise });
 */
export const uniPcBh2Sampler: Sampler = createUniPcSampler({ variant: 'bh2' });
