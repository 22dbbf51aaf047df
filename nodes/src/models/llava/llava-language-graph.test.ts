/**
 * The language model split into stages gives what one graph of all its layers gives: the first stage
 * takes the ids and image features, a middle stage (a model of more than two stages, as every real
 * one is) takes and gives hidden states, the last applies the final norm.
 */
import { SessionCache, Tensor } from '@momaflow/engine';
import { runGraph } from '@momaflow/engine/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parityError } from '../ldm-config/test-support';
import type { LlamaConfig } from '../llama';
import { seededWeight } from '../tiny/seeded-init';
import { buildLlavaLanguageStage, LLAVA_LANGUAGE_IO } from './llava-language-graph';
import { llavaQuantization } from './llava-quantization';
import { randomLlava } from './test-support';

const LLAMA: LlamaConfig = {
  hiddenSize: 64,
  intermediateSize: 128,
  layers: 3,
  heads: 2,
  kvHeads: 1,
  headDim: 32,
  vocabSize: 48,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
};
const { llava: LLAVA, load } = randomLlava(LLAMA, { visionWidth: 16, seed: 3 });

const ids = (values: number[]) => new Tensor('int64', [1, values.length], BigInt64Array.from(values, BigInt));
const FIRST_FEEDS = {
  [LLAVA_LANGUAGE_IO.idsBefore]: ids([1, 7, 30]),
  [LLAVA_LANGUAGE_IO.imageFeatures]: seededWeight({ seed: 4, key: 'image', shape: [1, 5, LLAMA.hiddenSize] }),
  [LLAVA_LANGUAGE_IO.idsAfter]: ids([12, 3, 45, 9]),
};

const sessions = SessionCache.create({ maxEntries: 4 });
afterAll(() => sessions.dispose());

const stage = (layers: [number, number]) =>
  buildLlavaLanguageStage({ llava: LLAVA, layers, quantization: llavaQuantization('fp32'), load });

describe('buildLlavaLanguageStage', () => {
  it('chains first, middle and last stages into the whole model', async () => {
    const whole = await runGraph(sessions, { model: await stage([0, 3]) }, FIRST_FEEDS);
    let out = await runGraph(sessions, { model: await stage([0, 1]) }, FIRST_FEEDS);
    for (const layers of [
      [1, 2],
      [2, 3],
    ] as const) {
      const hidden = out[LLAVA_LANGUAGE_IO.hidden]!;
      out = await runGraph(
        sessions,
        { model: await stage([...layers]) },
        { [LLAVA_LANGUAGE_IO.hiddenIn]: hidden },
      );
    }
    const expected = whole[LLAVA_LANGUAGE_IO.last]!;
    expect(expected.shape).toEqual([1, 3 + 5 + 4, LLAMA.hiddenSize]);
    const { maxDiff, bound } = parityError(out[LLAVA_LANGUAGE_IO.last]!, expected);
    expect(maxDiff).toBeLessThanOrEqual(bound);
  });
});
