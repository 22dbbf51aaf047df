/**
 * @module
 * A planned Custom Diffusion file as a UNet `WeightPatch` and as added tokens. Its cross-attention
 * weights replace the model's exactly; when another Custom Diffusion file already replaced one, the
 * new file's change relative to the loaded weight is added instead (W0 + (W1 - W0) + (W2 - W0)), the
 * plain combination of two separately trained concepts (the paper's constrained-optimisation merge,
 * `composenW.py`, needs the training captions and is not done here). Compressed files add `u @ v`.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { EngineError, Tensor, withWeightReader } from '@momaflow/engine';
import type { AddedToken } from '../embeddings';
import type { WeightMap, WeightPatch, WeightReplacement } from '../ldm-config';
import type { CustomDiffusionPlan, CustomDiffusionWeight } from './read-custom-diffusion';

/** u [out, r] @ v [r, in] as [out, in]. */
function product(u: Tensor<'float32'>, v: Tensor<'float32'>): Float32Array {
  const [out = 0, r = 0] = u.shape;
  const inF = v.size / (r || 1);
  const data = new Float32Array(out * inF);
  for (let i = 0; i < out; i++)
    for (let k = 0; k < r; k++) {
      const a = u.data[i * r + k]!;
      for (let j = 0; j < inF; j++) data[i * inF + j]! += a * v.data[k * inF + j]!;
    }
  return data;
}

/** The weight's new value given the map's current and loaded ones. */
async function replacement(
  read: (file: string, key: string) => Promise<Tensor<'float32'>>,
  w: CustomDiffusionWeight,
  weights: WeightMap,
): Promise<Tensor<'float32'>> {
  const shape = weights.shapeOf(w.key) ?? [];
  const current = weights.take(w.key, shape);
  const original = weights.original(w.key) ?? current;
  let delta: Float32Array;
  if ('full' in w.stored) {
    const full = await read(w.file, w.stored.full);
    // The first replacement is the file's tensor itself, bit for bit.
    if (current === original) return full;
    delta = full.data.map((v, i) => v - original.data[i]!);
  } else {
    delta = product(await read(w.file, w.stored.u), await read(w.file, w.stored.v));
    if (delta.length !== current.size) {
      throw new EngineError(
        'custom_diffusion_shape_mismatch',
        `${w.file}: u @ v of '${w.key}' does not have its shape [${shape.join(', ')}]`,
      );
    }
  }
  return new Tensor(
    'float32',
    shape,
    current.data.map((v, i) => v + delta[i]!),
  );
}

/**
 * @example
 * const patched = withWeightPatch(model, customDiffusionPatch(plan, await checkpointIdentity(path)));
 */
export function customDiffusionPatch(plan: CustomDiffusionPlan, fileId: string): WeightPatch {
  return Object.freeze({
    id: createHash('sha256')
      .update(JSON.stringify(['custom-diffusion/1', fileId]))
      .digest('hex'),
    label: `Custom Diffusion '${basename(plan.path)}'`,
    inputs: Object.freeze({}),
    apply: async (weights: WeightMap) => {
      const readers = new Map<string, Map<string, Tensor<'float32'>>>();
      for (const file of new Set(plan.weights.map((w) => w.file))) {
        const keys = plan.weights.filter((w) => w.file === file).flatMap((w) => Object.values(w.stored));
        readers.set(
          file,
          await withWeightReader(
            file,
            async (r) =>
              new Map(await Promise.all(keys.map(async (k) => [k, await r.readFloat32(k)] as const))),
          ),
        );
      }
      const read = async (file: string, key: string) => readers.get(file)!.get(key)!;
      const out = new Map<string, WeightReplacement>();
      for (const w of plan.weights)
        out.set(w.key, { tensor: await replacement(read, w, weights), source: basename(plan.path) });
      return weights.withReplaced(out);
    },
  });
}

/**
 * The modifier tokens of `plan` with their vectors, renamed to `names` in order when given.
 * @throws EngineError `custom_diffusion_invalid` when `names` has another count than the file's tokens.
 * @example
 * const tokens = await customDiffusionTokens(plan, 768); // [{ text: '<new1>', vectors: [1, 768] }]
 */
export async function customDiffusionTokens(
  plan: CustomDiffusionPlan,
  width: number,
  names?: readonly string[],
): Promise<AddedToken[]> {
  if (names !== undefined && names.length !== plan.tokens.length) {
    throw new EngineError(
      'custom_diffusion_invalid',
      `${plan.path} has ${plan.tokens.length} modifier tokens (${plan.tokens.map((t) => t.text).join(', ') || 'none'}); ${names.length} names were given`,
      { path: plan.path },
    );
  }
  const out: AddedToken[] = [];
  for (const [i, t] of plan.tokens.entries()) {
    const all = await withWeightReader(t.file, (r) => r.readFloat32(t.key));
    const row = all.data.slice(t.row * width, (t.row + 1) * width);
    out.push({ text: names?.[i] ?? t.text, vectors: new Tensor('float32', [1, width], row) });
  }
  return out;
}
