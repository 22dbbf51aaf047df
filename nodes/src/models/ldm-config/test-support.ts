import type { DType, OnnxModel, SessionLease, WeightTensor } from '@momaflow/engine';
import {
  dict,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  openSafetensors,
  SessionCache,
  Tensor,
} from '@momaflow/engine';
import { buildTorchFile, fixturePath, PickleWriter, writeTensor } from '@momaflow/engine/testing';

export { fixturePath };

/** One tensor of `vectors.safetensors`. */
export async function readVector(name: string): Promise<WeightTensor> {
  const reader = await openSafetensors(fixturePath('vectors.safetensors'));
  try {
    return await reader.read(name);
  } finally {
    await reader.close();
  }
}

/** A float tensor of `vectors.safetensors`. */
export async function readFloatVector(name: string): Promise<Tensor<'float32'>> {
  const t = await readVector(name);
  if (t.dtype !== 'float32') throw new Error(`${name} is ${t.dtype}, expected a float tensor`);
  return t;
}

/** Open `model` on the CPU, run `fn` with the session, release everything. */
export async function withSession<T>(
  model: OnnxModel,
  fn: (session: SessionLease['session']) => Promise<T>,
): Promise<T> {
  const cache = SessionCache.create({ maxEntries: 1 });
  const lease = await cache.acquire({ model });
  try {
    return await fn(lease.session);
  } finally {
    lease.release();
    await cache.dispose();
  }
}

/** max |actual - expected| and the README's bound 1e-4 * max(1, max |expected|), after a shape check. */
export function parityError(
  actual: Tensor<DType>,
  expected: Tensor<'float32'>,
): { maxDiff: number; bound: number; shape: readonly number[] } {
  if (actual.dtype !== 'float32') throw new Error(`expected float32, got ${actual.dtype}`);
  if (actual.shape.join('x') !== expected.shape.join('x')) {
    throw new Error(`shape [${actual.shape.join(', ')}] != expected [${expected.shape.join(', ')}]`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  const a = actual.data as Float32Array;
  for (let i = 0; i < expected.size; i++) {
    const e = expected.data[i]!;
    const d = Math.abs(a[i]! - e);
    // NaN must fail, and Math.max would swallow it.
    maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(e));
  }
  return { maxDiff, bound: 1e-4 * Math.max(1, maxRef), shape: actual.shape };
}

/** Uniform values in [-1, 1) from a 32-bit LCG: reproducible inputs for graph tests. */
export function seeded(shape: readonly number[], seed: number): Tensor<'float32'> {
  let s = seed;
  const t = Tensor.zeros('float32', shape);
  for (let i = 0; i < t.size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    t.data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return t;
}

/** a [m, k] @ b [k, n] in float64. */
function matmul(a: Tensor<'float32'>, b: Tensor<'float32'>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let e = 0; e < k; e++) s += a.data[i * k + e]! * b.data[e * n + j]!;
      out[i * n + j] = s;
    }
  return out;
}

/** A delta's factors for `mergedWeight`: `down` [r, in(, kh, kw)] (already through any Tucker core), `up` [out, r(, 1, 1)]. */
export interface DeltaFactors {
  readonly down: Tensor<'float32'>;
  readonly up: Tensor<'float32'>;
  /** alpha / rank. */
  readonly scale: number;
}

/**
 * The merged weight the LoRA papers and ComfyUI compute, independently of the graph's branches:
 * W + sum_i s_i * scale_i * (up_i.flatten(1) @ down_i.flatten(1)).reshape(W.shape), in float64.
 * @example
 * const w2 = mergedWeight(w, [{ factors: { down, up, scale: alpha / rank }, strength: 0.8 }]);
 */
export function mergedWeight(
  weight: Tensor<'float32'>,
  terms: readonly { readonly factors: DeltaFactors; readonly strength: number }[],
): Tensor<'float32'> {
  const diffs = terms.map(({ factors: f }) => {
    const [out = 0, rank = 0] = f.up.shape;
    return matmul(f.up, f.down, out, rank, f.down.size / rank);
  });
  const data = Float32Array.from(
    weight.data,
    (v, i) => v + terms.reduce((a, t, k) => a + t.strength * t.factors.scale * diffs[k]![i]!, 0),
  );
  return new Tensor('float32', weight.shape, data);
}

/**
 * ComfyUI's LoCon Tucker product (weight_adapter/lora.py): down [r, in, 1, 1], mid [r, r, kh, kw] ->
 * down' = (down^T.flatten(1) @ mid^T.flatten(1)).reshape(in, r, kh, kw).transpose(0, 1).
 */
export function tuckerDown(down: Tensor<'float32'>, mid: Tensor<'float32'>): Tensor<'float32'> {
  const [r = 0, inC = 0] = down.shape;
  const [, , kh = 1, kw = 1] = mid.shape;
  const k = kh * kw;
  const downT = new Tensor(
    'float32',
    [inC, r],
    Float32Array.from({ length: inC * r }, (_, i) => down.data[(i % r) * inC + Math.floor(i / r)]!),
  );
  // mid^T: [r_in, r_out, kh, kw] flattened to [r_in, r_out * k].
  const midT = new Tensor(
    'float32',
    [r, r * k],
    Float32Array.from({ length: r * r * k }, (_, i) => {
      const rin = Math.floor(i / (r * k));
      const rest = i % (r * k);
      const rout = Math.floor(rest / k);
      return mid.data[(rout * r + rin) * k + (rest % k)]!;
    }),
  );
  const prod = matmul(downT, midT, inC, r, r * k); // [in, r * k] = [in, r, kh, kw]
  const out = new Float32Array(r * inC * k);
  for (let i = 0; i < inC; i++)
    for (let j = 0; j < r; j++)
      for (let e = 0; e < k; e++) out[(j * inC + i) * k + e] = prod[(i * r + j) * k + e]!;
  return new Tensor('float32', [r, inC, kh, kw], out);
}

/** What `torchFile` pickles: tensors, ints, strings, `null`, and dicts of them. */
export type TorchTestValue =
  | Tensor<'float32'>
  | number
  | string
  | null
  | { readonly [key: string]: TorchTestValue };

const STORAGE = { F32: ['FloatStorage', 4], F16: ['HalfStorage', 2], BF16: ['BFloat16Storage', 2] } as const;

/**
 * A torch.save zip archive of `tree` (a plain dict at the root, as `torch.save({...})` writes), its
 * float tensors stored as `dtype`: the `.ckpt` / `.pt` / `.bin` layouts trainers write.
 * @example
 * await writeFile(path, torchFile({ state_dict: { 'model.diffusion_model.out.2.weight': w } }, 'F16'));
 */
export function torchFile(
  tree: { readonly [key: string]: TorchTestValue },
  dtype: keyof typeof STORAGE = 'F32',
): Uint8Array {
  const [storageType, width] = STORAGE[dtype];
  const storages = dict<Uint8Array>();
  const w = new PickleWriter().proto(2);
  const write = (v: TorchTestValue): void => {
    if (v === null) w.none();
    else if (typeof v === 'number') w.int(v);
    else if (typeof v === 'string') w.str(v);
    else if (v instanceof Tensor) {
      const key = String(Object.keys(storages).length);
      const data =
        dtype === 'F32'
          ? new Uint8Array(Float32Array.from(v.data).buffer)
          : new Uint8Array(
              (dtype === 'F16' ? float32ToFloat16Array(v.data) : float32ToBfloat16Array(v.data)).buffer,
            );
      storages[key] = data;
      const stride = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, d) => a * d, 1));
      writeTensor(w, { storageType, key, numel: data.length / width, offset: 0, shape: v.shape, stride });
    } else {
      w.emptyDict().mark();
      for (const [k, x] of Object.entries(v)) {
        w.str(k);
        write(x);
      }
      w.setitems();
    }
  };
  write(tree);
  return buildTorchFile({ pickle: w.stop().bytes(), storages });
}
