/**
 * Weight-only quantization error of the language model as MLLMLoader builds it (the production
 * storage plans of `llavaQuantization`), on a LLaMA with random weights: 2 layers at 1024 wide (a
 * quarter of LLaMA-7B's width, 8 heads of 128 like the real model) so the suite stays fast; the
 * full-width check (4 layers at 4096, plus the vision tower) is in test/bench/mllm.ts, which prints
 * the same measures. Cosine similarity to float32 of the last token's hidden state (what MoMA maps),
 * of all hidden states, and of the image-prompt tokens.
 *
 * Bounds: the issue's, int8 >= 0.999 and int4 >= 0.99 everywhere. Measured here (last token / all
 * tokens / image-prompt tokens): int8 0.9998 / 0.9998 / 0.9997; the int4 plan, 4-bit blocks of 32
 * with v_proj, o_proj and down_proj at 8 bits, 0.9952 / 0.9958 / 0.9916. Every projection at 4 bits
 * measures 0.981 / 0.982 / 0.963: round-to-nearest leaves each weight ~7% off and the random layers
 * and mapping MLP amplify it. One projection at 8 bits at a time (the rest 4-bit) gives q 0.963,
 * k 0.962, gate 0.968, up 0.968, down 0.972, o 0.976, v 0.977 image-prompt tokens; v and o at 8 bits
 * 0.986, v, o and down at 8 bits 0.992. Blocks of 16 everywhere give 0.979 (0.984 with a searched
 * clipping range); int4 with float32 activations (accuracy level 0) measures the same as level 4, so
 * the error is the weights' alone. At the real width (test/bench/mllm.ts `error`, 4 layers of 4096)
 * int8 measures 0.9999 last token and 0.9998 image-prompt tokens, the int4 plan 0.9987 and 0.9978
 * with 77% of int8's language weight bytes (every projection at 4 bits: 0.9899, 0.978, 62%).
 */
import { SessionCache, Tensor } from '@momaflow/engine';
import { cosineSimilarity, runGraph } from '@momaflow/engine/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { LlamaConfig } from '../llama';
import { buildMomaImagePromptGraph } from '../moma-adapter';
import { seededWeight } from '../tiny/seeded-init';
import { buildLlavaLanguageStage } from './llava-language-graph';
import { type LlavaPrecision, llavaQuantization } from './llava-quantization';
import { randomLlava } from './test-support';

const LLAMA: LlamaConfig = {
  hiddenSize: 1024,
  intermediateSize: 2752,
  layers: 2,
  heads: 8,
  kvHeads: 8,
  headDim: 128,
  vocabSize: 512,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
};
const { llava: LLAVA, load } = randomLlava(LLAMA, { visionWidth: 64, seed: 41 });

const sessions = SessionCache.create({ maxEntries: 2 });
afterAll(() => sessions.dispose());

const ids = (n: number, seed: number) =>
  new Tensor(
    'int64',
    [1, n],
    BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 131 + seed) % LLAMA.vocabSize)),
  );
const INPUT = {
  input_ids_before: ids(12, 1),
  image_features: seededWeight({ seed: 9, key: 'image', shape: [1, 64, LLAMA.hiddenSize] }),
  input_ids_after: ids(36, 5),
};

const HEAD = buildMomaImagePromptGraph(
  {
    llmMapping: { inFeatures: 1024, hidden: 256, outFeatures: 256 },
    imageProjection: { inFeatures: 256, tokens: 4, tokenDim: 768 },
  },
  {
    mapping: new Map(
      [
        ['mapping.gate_proj.weight', [256, 1024]],
        ['mapping.up_proj.weight', [256, 1024]],
        ['mapping.down_proj.weight', [256, 256]],
      ].map(([k, s]) => [k as string, seededWeight({ seed: 5, key: k as string, shape: s as number[] })]),
    ),
    projectors: new Map(
      [
        ['proj.weight', [4 * 768, 256]],
        ['proj.bias', [4 * 768]],
        ['norm.weight', [768]],
        ['norm.bias', [768]],
      ].map(([k, s]) => [k as string, seededWeight({ seed: 5, key: k as string, shape: s as number[] })]),
    ),
  },
);

async function outputs(precision: LlavaPrecision) {
  const graph = await buildLlavaLanguageStage({
    llava: LLAVA,
    layers: [0, LLAMA.layers],
    quantization: llavaQuantization(precision),
    load,
  });
  const hidden = (await runGraph(sessions, { model: graph }, INPUT)).last_hidden_state!;
  const [, tokens = 0] = hidden.shape;
  const last = new Tensor(
    'float32',
    [1, LLAMA.hiddenSize],
    hidden.data.slice((tokens - 1) * LLAMA.hiddenSize),
  );
  const ip = (await runGraph(sessions, { model: HEAD }, { hidden: last })).ip_tokens_cond!;
  return { hidden: hidden.data, last: last.data, ip: ip.data };
}

describe('weight-only quantization of the LLaVA language model', () => {
  it.each([
    ['int8', 0.999],
    ['int4', 0.99],
  ] as const)('%s stays within its cosine bounds of float32', async (precision, bound) => {
    const reference = await outputs('fp32');
    const quantized = await outputs(precision);
    const measured = {
      lastToken: cosineSimilarity(quantized.last, reference.last),
      allTokens: cosineSimilarity(quantized.hidden, reference.hidden),
      ipTokens: cosineSimilarity(quantized.ip, reference.ip),
    };
    console.info(`${precision} (2 layers x 1024): cosine vs fp32 ${JSON.stringify(measured)}`);
    expect(measured.lastToken, 'last token').toBeGreaterThanOrEqual(bound);
    expect(measured.allTokens, 'all tokens').toBeGreaterThanOrEqual(bound);
    expect(measured.ipTokens, 'image-prompt tokens').toBeGreaterThanOrEqual(bound);
  });
});
