/**
 * @module
 * MoMA's image-prompt head as one graph (bytedance/MoMA `model_lib/modules.py`): the LLaVA hidden
 * state of the last prompt token through the mapping MLP `down(silu(gate(x)) * up(x))` (no biases),
 * then IP-Adapter's `ImageProjModel` (`imageProjModel`: Linear to tokens x dim, reshape, LayerNorm per
 * token). The unguided tokens are `ImageProjModel(zeros_like(embedding))`, as `get_image_embeds_CFG`
 * computes them.
 */
import type { OnnxModel, Tensor, Value } from '@momaflow/engine';
import { dictFrom, linear, OnnxBuilder, silu } from '@momaflow/engine';
import { imageProjModel } from '../ip-adapter';
import { WeightMap, WeightScope } from '../ldm-config';
import type { MomaAdapter } from './moma-adapter';

/**
 * Graph input / output names.
 * @example
 * const out = await session.run({ [MOMA_IMAGE_PROMPT_IO.hidden]: lastToken });
 */
export const MOMA_IMAGE_PROMPT_IO = {
  hidden: 'hidden',
  embedding: 'embedding',
  cond: 'ip_tokens_cond',
  uncond: 'ip_tokens_uncond',
} as const;

/** The tensors the head reads, keyed without their section prefix (see `readMomaAdapterSection`). */
export interface MomaImagePromptWeights {
  readonly mapping: ReadonlyMap<string, Tensor<'float32'>>;
  readonly projectors: ReadonlyMap<string, Tensor<'float32'>>;
}

function take(map: ReadonlyMap<string, Tensor<'float32'>>, section: string, key: string): Tensor<'float32'> {
  const t = map.get(key);
  // readMomaAdapter validated every key and shape when the adapter was loaded.
  if (t === undefined) throw new Error(`adapter section '${section}' lacks '${key}'`);
  return t;
}

/**
 * `hidden` [B, inFeatures] -> `embedding` [B, hidden'], `ip_tokens_cond` / `ip_tokens_uncond`
 * [B, tokens, tokenDim].
 * @example
 * const model = buildMomaImagePromptGraph(adapter, { mapping, projectors });
 */
export function buildMomaImagePromptGraph(
  adapter: Pick<MomaAdapter, 'llmMapping' | 'imageProjection'>,
  w: MomaImagePromptWeights,
): OnnxModel {
  const { llmMapping: m, imageProjection: p } = adapter;
  const b = OnnxBuilder.create({ name: 'moma_image_prompt' });
  const x = b.input(MOMA_IMAGE_PROMPT_IO.hidden, 'float32', ['batch', m.inFeatures]);
  const embedding = b.scope('llm_mapping', () =>
    b.scope('mapping', () => {
      const proj = (name: string, input: Value<'float32'>) =>
        linear(b, { weight: take(w.mapping, 'llm_mapping', `mapping.${name}.weight`) }, input, { name });
      return proj('down_proj', b.op('Mul', [silu(b, proj('gate_proj', x)), proj('up_proj', x)]));
    }),
  );
  b.output(embedding, MOMA_IMAGE_PROMPT_IO.embedding, ['batch', m.outFeatures]);
  // The embedding and zeros go through ImageProjModel as one batch, then split in halves.
  const zeros = b.op(
    'ConstantOfShape',
    [b.op('Shape', [embedding], {}, { dtype: 'int64' })],
    {},
    { dtype: 'float32' },
  );
  const both = b.op('Concat', [embedding, zeros], { axis: 0 });
  const projectors = new WeightScope(WeightMap.fromTensors('projectors', dictFrom(w.projectors)));
  const tokens = b.scope('projectors', () =>
    imageProjModel(b, projectors, both, { inFeatures: p.inFeatures, tokens: p.tokens, dim: p.tokenDim }),
  );
  const [cond, uncond] = b.opN('Split', [tokens], { axis: 0 }, { dtypes: ['float32', 'float32'] });
  b.output(cond, MOMA_IMAGE_PROMPT_IO.cond, ['batch', p.tokens, p.tokenDim]);
  b.output(uncond, MOMA_IMAGE_PROMPT_IO.uncond, ['batch', p.tokens, p.tokenDim]);
  return b.build();
}
