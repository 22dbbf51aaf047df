/**
 * @module
 * A planned LoRA as a `WeightPatch` on one component (UNet or text encoder): on load it reads the
 * factors of that component's modules, shapes them like their weight (2-D factors for a linear, 4-D
 * for a conv: a 1x1 conv's factors may be stored either way), and adds them as low-rank deltas with
 * scale alpha / rank and one strength input. Its id is the file's identity, the component and the
 * input's name, never the strength.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { Tensor, withWeightReader } from '@momaflow/engine';
import type { LowRankDelta, WeightMap, WeightPatch } from '../ldm-config';
import type { LoraComponent } from './lora-targets';
import { type LoraModule, type LoraPlan, loraModulesOf } from './read-lora';

/** How one LoRA is applied to one component. */
export interface LoraPatchOptions {
  readonly plan: LoraPlan;
  /** The file's identity (path, size, mtime): a replaced file must not reuse graphs of the old one. */
  readonly fileId: string;
  readonly component: LoraComponent;
  readonly strength: number;
  /** The graph input of the strength, unique among the patches of the model (`lora_0.strength`). */
  readonly input: string;
}

/** `t` reshaped to the rank of its weight: [n, m] <-> [n, m, 1, 1]. */
function likeWeight(t: Tensor<'float32'>, weightRank: number): Tensor<'float32'> {
  if (weightRank === 4 && t.rank === 2) return t.reshape([...t.shape, 1, 1]);
  if (weightRank === 2 && t.rank === 4) return t.reshape([t.shape[0] ?? 0, t.size / (t.shape[0] || 1)]);
  return t;
}

async function deltaOf(
  read: (key: string) => Promise<Tensor<'float32'>>,
  m: LoraModule,
  input: string,
): Promise<LowRankDelta> {
  const rank = m.target.shape.length;
  return {
    up: likeWeight(await read(m.up), rank),
    down: likeWeight(await read(m.down), m.mid === undefined ? rank : 4),
    ...(m.mid === undefined ? {} : { mid: await read(m.mid) }),
    scale: m.alpha === undefined ? 1 : m.alpha / m.rank,
    strength: input,
  };
}

/**
 * The patch of `plan` on `component`, or `undefined` when the LoRA has no module there.
 * @example
 * const patch = loraPatch({ plan, fileId, component: 'unet', strength: 0.8, input: 'lora_0.strength' });
 */
export function loraPatch(o: LoraPatchOptions): WeightPatch | undefined {
  const modules = loraModulesOf(o.plan, o.component);
  if (modules.length === 0) return undefined;
  const id = createHash('sha256')
    .update(JSON.stringify(['lora/1', o.fileId, o.component, o.input]))
    .digest('hex');
  return Object.freeze({
    id,
    label: `LoRA '${basename(o.plan.path)}'`,
    inputs: Object.freeze({ [o.input]: new Tensor('float32', [1], Float32Array.of(o.strength)) }),
    apply: (weights: WeightMap) =>
      withWeightReader(o.plan.path, async (reader) => {
        const read = (key: string) => reader.readFloat32(key);
        const deltas = new Map<string, LowRankDelta[]>();
        for (const m of modules) deltas.set(m.target.key, [await deltaOf(read, m, o.input)]);
        return weights.withDeltas(deltas);
      }),
  });
}
