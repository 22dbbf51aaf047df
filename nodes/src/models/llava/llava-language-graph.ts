/**
 * @module
 * The language half of LLaVA, split into stages of consecutive decoder layers so a long prefill
 * reports progress and can be cancelled between stages (onnxruntime cannot interrupt one run). The
 * first stage looks up the prompt's tokens and splices the projected image features in where
 * `<image>` was; the last applies the final RMSNorm. Each stage rebuilds the RoPE tables and the
 * causal mask from the sequence length. Layer weights are loaded one layer at a time and, with an
 * external-data writer, written out as they are converted, so a 7B model never sits in memory.
 */
import type { OnnxModel, Value } from '@momaflow/engine';
import { type ExternalDataWriter, floatTensor, OnnxBuilder, rmsNorm, rotaryTables } from '@momaflow/engine';
import { inScope, type WeightMap, WeightScope } from '../ldm-config';
import { causalMask, llamaDecoderLayer } from '../llama';
import type { LlavaConfig } from './llava-config';
import type { LlavaQuantization } from './llava-quantization';

/**
 * Graph input / output names.
 * @example
 * await first.run({ [LLAVA_LANGUAGE_IO.idsBefore]: before, [LLAVA_LANGUAGE_IO.idsAfter]: after, [LLAVA_LANGUAGE_IO.imageFeatures]: image });
 */
export const LLAVA_LANGUAGE_IO = {
  idsBefore: 'input_ids_before',
  idsAfter: 'input_ids_after',
  imageFeatures: 'image_features',
  /** A later stage's input: the previous stage's `hidden` (a middle stage has both, so two names). */
  hiddenIn: 'hidden_states_in',
  hidden: 'hidden_states',
  last: 'last_hidden_state',
} as const;

/** Inputs of `buildLlavaLanguageStage`. */
export interface LlavaLanguageStageOptions {
  readonly llava: LlavaConfig;
  /** Decoder layers [start, end). */
  readonly layers: readonly [number, number];
  readonly quantization: LlavaQuantization;
  /** Canonical-key tensors passing `accept` (one layer, the embeddings, the final norm). */
  readonly load: (accept: (key: string) => boolean) => Promise<WeightMap>;
  readonly externalData?: ExternalDataWriter;
  readonly signal?: AbortSignal;
  /** Called after each layer is built. */
  readonly onLayer?: (layer: number) => void;
}

function embedTokens(b: OnnxBuilder, table: Value, ids: Value<'int64'>): Value<'float32'> {
  const rows = b.op('Gather', [table, ids], { axis: 0 });
  return table.dtype === 'float32'
    ? (rows as Value<'float32'>)
    : b.op('Cast', [rows], { to: 1 }, { dtype: 'float32' });
}

async function firstInput(b: OnnxBuilder, o: LlavaLanguageStageOptions): Promise<Value<'float32'>> {
  const c = o.llava.llama;
  const before = b.input(LLAVA_LANGUAGE_IO.idsBefore, 'int64', [1, 'before']);
  const after = b.input(LLAVA_LANGUAGE_IO.idsAfter, 'int64', [1, 'after']);
  const image = b.input(LLAVA_LANGUAGE_IO.imageFeatures, 'float32', [1, 'patches', c.hiddenSize]);
  const weights = await o.load((k) => k === 'model.embed_tokens.weight');
  const table = weights.take('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize]);
  const stored = b.scope('model', () =>
    b.initializer('embed_tokens.weight', floatTensor(o.quantization.embedTable, table.shape, table.data)),
  );
  return b.op(
    'Concat',
    [embedTokens(b, stored, before), image, embedTokens(b, stored, after)],
    { axis: 1 },
    {
      shape: [1, 'tokens', c.hiddenSize],
    },
  );
}

/**
 * One stage: (ids + image features | hidden states) -> hidden states after layers [start, end)
 * (+ the final norm for the last stage), float32 [1, tokens, hidden].
 * @throws the signal's AbortError when it fires between layers; EngineError for weights, naming the key.
 * @example
 * const stage = await buildLlavaLanguageStage({ llava, layers: [0, 4], quantization, load });
 */
export async function buildLlavaLanguageStage(o: LlavaLanguageStageOptions): Promise<OnnxModel> {
  const c = o.llava.llama;
  const [start, end] = o.layers;
  const isLast = end === c.layers;
  const b = OnnxBuilder.create({
    name: `llava_language_${start}_${end}`,
    ...(o.externalData ? { externalData: o.externalData } : {}),
  });
  let h =
    start === 0
      ? await firstInput(b, o)
      : b.input(LLAVA_LANGUAGE_IO.hiddenIn, 'float32', [1, 'tokens', c.hiddenSize]);
  const length = b.op('Slice', [
    b.op('Shape', [h], {}, { dtype: 'int64' }),
    b.constInt64([1]),
    b.constInt64([2]),
  ]);
  const rope = rotaryTables(b, length, { headDim: c.headDim, theta: c.ropeTheta });
  const mask = causalMask(b, length);
  for (let i = start; i < end; i++) {
    o.signal?.throwIfAborted();
    const prefix = `model.layers.${i}.`;
    const root = new WeightScope(await o.load((k) => k.startsWith(prefix)));
    const x = h;
    h = inScope(b, root, ['model', 'layers', i], (lw) =>
      llamaDecoderLayer(b, lw, x, { config: c, rope, mask, quantization: o.quantization.language }),
    );
    o.onLayer?.(i);
  }
  if (isLast) {
    const norm = await o.load((k) => k === 'model.norm.weight');
    const weight = norm.take('model.norm.weight', [c.hiddenSize]);
    h = b.scope('model', () => rmsNorm(b, { weight }, h, { eps: c.rmsNormEps, name: 'norm' }));
  }
  b.output(h, isLast ? LLAVA_LANGUAGE_IO.last : LLAVA_LANGUAGE_IO.hidden, [1, 'tokens', c.hiddenSize]);
  return b.build();
}
