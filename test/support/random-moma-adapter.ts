/**
 * @module
 * A MoMA adapter file with random weights shaped for a given UNet (every attention processor's
 * `to_k_ip` / `to_v_ip`, `scale_learnable` on self-attention processors), for runs on models MoMA was
 * not trained for: the full-size benchmark and the tiny workflow. Its `projectors` and `llm_mapping`
 * sections are small placeholders that chain as MoMA's do (the MLLM side is not exercised with it).
 * Seeded, so the same call writes the same bytes.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type AnyTensor, Tensor, writeSafetensors } from '@momaflow/engine';
import { seededWeight } from '../../nodes/src/models/tiny';
import type { AttentionHookPoint } from '../../nodes/src/models/unet';

/** Options of `writeRandomMomaAdapter`. */
export interface RandomMomaAdapterOptions {
  readonly path: string;
  /** The UNet's hook points (`UnetModel.hookPoints`, or `listHookPoints(unetLayout(config))`). */
  readonly points: readonly AttentionHookPoint[];
  /** Cross-attention width = the image-prompt token width. */
  readonly tokenDim: number;
  /** Image-prompt tokens of the projector. Default 4. */
  readonly tokens?: number;
  readonly seed?: number;
}

/**
 * Write the file (safetensors, MoMA's key names).
 * @example
 * await writeRandomMomaAdapter({ path, points: model.hookPoints, tokenDim: 768 });
 */
export async function writeRandomMomaAdapter(o: RandomMomaAdapterOptions): Promise<void> {
  const seed = o.seed ?? 7;
  const tokens = o.tokens ?? 4;
  const embedding = 16;
  const shapes: Record<string, readonly number[]> = {
    'projectors.proj.weight': [tokens * o.tokenDim, embedding],
    'projectors.proj.bias': [tokens * o.tokenDim],
    'projectors.norm.weight': [o.tokenDim],
    'projectors.norm.bias': [o.tokenDim],
    'llm_mapping.mapping.gate_proj.weight': [embedding, embedding],
    'llm_mapping.mapping.up_proj.weight': [embedding, embedding],
    'llm_mapping.mapping.down_proj.weight': [embedding, embedding],
  };
  for (const p of o.points) {
    const prefix = `self_cross_attentions.${p.order}`;
    shapes[`${prefix}.to_k_ip.weight`] = [p.channels, p.contextChannels];
    shapes[`${prefix}.to_v_ip.weight`] = [p.channels, p.contextChannels];
    if (p.kind === 'self') shapes[`${prefix}.scale_learnable`] = [1];
  }
  // seededWeight: 1 / sqrt(3 fan_in) for matrices, ones for [n] `.weight`s; scale_learnable is 0.5.
  const tensors: Record<string, AnyTensor> = Object.fromEntries(
    Object.entries(shapes).map(([key, shape]) => [
      key,
      key.endsWith('scale_learnable') ? Tensor.filled(shape, 0.5) : seededWeight({ seed, key, shape }),
    ]),
  );
  await mkdir(dirname(o.path), { recursive: true });
  await writeSafetensors(o.path, tensors);
}
