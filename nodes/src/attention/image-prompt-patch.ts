/**
 * @module
 * Decoupled image-prompt cross-attention (IP-Adapter, Ye et al. 2023, arXiv 2308.06721; MoMA's
 * `IPAttnProcessor`): at each cross-attention layer the queries also attend over image-prompt tokens
 * through the adapter's own `to_k_ip` / `to_v_ip`, and that output, times `scale` and the injection
 * mask, is added to the text attention. The tokens are the patch's own input (cond tokens on positive
 * rows, uncond tokens on negative ones), not a tail of the text context, so several image-prompt
 * patches (MoMA, IP-Adapter) stack without claiming each other's tokens. Off in reference passes and
 * outside its timestep range.
 */
import type { Tensor } from '@momaflow/engine';
import { EngineError, Tensor as TensorClass } from '@momaflow/engine';
import type { ImagePrompt } from '../diffusion/diffusion-types';
import type { ModelPatch } from '../models/unet';
import { type DecoupledEntry, decoupledPatchWeights } from './decoupled-weights';
import { type InjectionMask, injectionMaskFeed } from './injection-mask';
import { layerMask } from './layer-mask';
import { projectTokens } from './project-tokens';
import { isInRange, type TimestepRange } from './timestep-range';

/** Options of `imagePromptPatch`. */
export interface ImagePromptPatchOptions {
  readonly id: string;
  /** The adapter's weights by the `order` of every cross-attention point it applies at (`fittedEntries`). */
  readonly entries: ReadonlyMap<number, DecoupledEntry>;
  readonly tokens: ImagePrompt;
  /** Multiplier of the image-prompt attention (MoMA: 1). */
  readonly scale: number;
  readonly mask: InjectionMask;
  readonly range: TimestepRange;
}

/** The tokens of each batch row: cond tokens on positive rows, uncond on negative, by latent. */
function rowTokens(
  prompt: ImagePrompt,
  rows: readonly { role: string; latent: number }[],
): Tensor<'float32'> {
  const [, count = 0, dim = 0] = prompt.cond.shape;
  const per = count * dim;
  const out = TensorClass.zeros('float32', [rows.length, count, dim]);
  rows.forEach((row, r) => {
    const side = row.role === 'cond' ? prompt.cond : prompt.uncond;
    const n = side.shape[0] ?? 0;
    const from = n === 1 ? 0 : row.latent;
    if (from >= n)
      throw new EngineError('invalid_input', `the image prompt has ${n} rows; latent ${row.latent} has none`);
    out.data.set(side.data.subarray(from * per, (from + 1) * per), r * per);
  });
  return out;
}

/**
 * @example
 * const ip = imagePromptPatch({ id: 'moma-ip', entries: fittedEntries(weights, model.hookPoints, 'cross', ...),
 *   tokens: imagePrompt, scale: 1, mask: { kind: 'generated', source: map }, range: WHOLE_SCHEDULE });
 */
export function imagePromptPatch(o: ImagePromptPatchOptions): ModelPatch {
  const [, count = 0, dim = 0] = o.tokens.cond.shape;
  if (o.tokens.uncond.shape[1] !== count || o.tokens.uncond.shape[2] !== dim) {
    throw new EngineError(
      'invalid_input',
      `image-prompt tokens: cond [${o.tokens.cond.shape.join(', ')}] and uncond [${o.tokens.uncond.shape.join(', ')}] differ`,
    );
  }
  return {
    id: o.id,
    signature: `image-prompt/1:${count}x${dim}:${[...o.entries.keys()].join(',')}`,
    weights: decoupledPatchWeights(o.entries),
    appliesTo: (p) => p.kind === 'cross' && o.entries.has(p.order),
    apply: (ctx) => {
      const { b, point } = ctx;
      const tokens = ctx.patchInput('tokens', 'float32', ['batch', count, dim], { per: 'run' });
      const k = projectTokens(b, tokens, ctx.weight(`${point.order}.to_k_ip`), point.channels);
      const v = projectTokens(b, tokens, ctx.weight(`${point.order}.to_v_ip`), point.channels);
      const image = ctx.attend(ctx.query(), k, v).out;
      const gain = ctx.patchInput('gain', 'float32', [1]);
      const scaled = b.op('Mul', [b.op('Mul', [image, layerMask(ctx, o.id)]), gain]);
      return { out: b.op('Add', [ctx.current(), scaled]) };
    },
    runInputs: (run) => ({ tokens: rowTokens(o.tokens, run.rows) }),
    stepInputs: (step) => {
      const on = step.run.pass === 'sample' && isInRange(o.range, step.timestep);
      return {
        gain: new TensorClass('float32', [1], Float32Array.of(on ? o.scale : 0)),
        mask: injectionMaskFeed(o.mask, step),
      };
    },
  };
}
