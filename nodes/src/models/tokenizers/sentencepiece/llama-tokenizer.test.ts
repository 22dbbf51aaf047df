import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, readInt64Rows, readVectorsJson } from '../test-fixtures';
import { LLAMA_NORMALIZER_SPEC, LLAMA_TRAINER_SPEC } from './llama-specs';
import type { LlamaTokenizer as LlamaTokenizerType } from './llama-tokenizer';
import { LlamaTokenizer } from './llama-tokenizer';
import { loadLlamaTokenizer } from './load-llama-tokenizer';
import type { SentencePiece, SentencePieceModel } from './sentencepiece-model';

const MODEL_FILES = {
  'tiny-moma/llava/tokenizer.model': () => fixturePath('tiny-moma', 'llava', 'tokenizer.model'),
  'tokenizers/llama-tokenizer.model': () => fixturePath('tokenizers', 'llama-tokenizer.model'),
};

/** google/sentencepiece 0.2.x `SentencePieceProcessor.encode` on the LLaMA model, for text the fixtures do not cover. */
const REFERENCE: Array<[string, number[]]> = [
  ['Hello world', [15043, 3186]],
  ['😀', [29871, 243, 162, 155, 131]],
  ['  two  spaces ', [259, 1023, 29871, 8162, 29871]],
  ['', []],
  [' ', [259]],
  [
    'naïve café 東京 12345',
    [1055, 30085, 345, 274, 28059, 29871, 30591, 30675, 29871, 29896, 29906, 29941, 29946, 29945],
  ],
  // Special-token strings in text are plain text to sentencepiece.
  ['<s>x</s>', [529, 29879, 29958, 29916, 829, 29879, 29958]],
  ['a\tb\r\nc', [263, 12, 29890, 30004, 13, 29883]],
  [
    "It's a cat's toy, isn't it?",
    [739, 29915, 29879, 263, 6635, 29915, 29879, 304, 29891, 29892, 3508, 29915, 29873, 372, 29973],
  ],
  ['USER: ', [3148, 1001, 29901, 29871]],
  ['\n A photo of a cat.', [29871, 13, 319, 15373, 310, 263, 6635, 29889]],
  [
    'Ω≈ç√∫ 🐱👍🏽',
    [
      29871, 30357, 30583, 30019, 30562, 31230, 29871, 243, 162, 147, 180, 243, 162, 148, 144, 243, 162, 146,
      192,
    ],
  ],
  ['\u0301x', [29871, 30103, 29916]],
  ['line1\n\nline2', [1196, 29896, 13, 13, 1220, 29906]],
  ['def f(x):\n    return x**2', [822, 285, 29898, 29916, 1125, 13, 1678, 736, 921, 1068, 29906]],
];

describe.each(Object.entries(MODEL_FILES))('LlamaTokenizer from %s', (_name, path) => {
  let llama: LlamaTokenizerType;
  beforeAll(async () => {
    llama = await loadLlamaTokenizer(path());
  });

  it('has LLaMA special ids', () => {
    expect(llama.vocabSize).toBe(32000);
    expect(llama.bosId).toBe(1);
    expect(llama.eosId).toBe(2);
  });

  it("reproduces mllm.input_ids of vectors.safetensors for MoMA's LLaVA prompt", async () => {
    const { mllmPrompt } = await readVectorsJson();
    const [expected] = await readInt64Rows('mllm.input_ids');
    expect(mllmPrompt).toContain('<image>');
    expect(llama.tokenizeWithImageToken(mllmPrompt)).toEqual(expected);
  });

  it.each(REFERENCE)('encodes %j like sentencepiece', (text, expected) => {
    expect(llama.encode(text)).toEqual(expected);
  });

  it('adds BOS by default and EOS on request', () => {
    expect(llama.tokenize('Hello world')).toEqual([1, 15043, 3186]);
    expect(llama.tokenize('Hello world', { addBos: false, addEos: true })).toEqual([15043, 3186, 2]);
  });

  it.each([
    [[1, 15043, 3186], 'Hello world'],
    [[29871, 243, 162, 155, 131], '😀'],
    [[259, 1023, 29871, 8162, 29871], '  two  spaces '],
    [[263, 12, 29890, 30004, 13, 29883], 'a\tb\r\nc'],
  ])('decodes %j to %j as sentencepiece does', (ids, text) => {
    expect(llama.decode(ids)).toBe(text);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => llama.decode([32000])).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

/** A small model: unk, BOS, EOS, then normal pieces with the given scores. */
function tinyModel(
  normal: Record<string, number>,
  overrides: { modelType?: 'bpe' | 'unigram'; byteFallback?: boolean } = {},
): SentencePieceModel {
  const pieces: SentencePiece[] = [
    { piece: '<unk>', score: 0, type: 'unknown' },
    { piece: '<s>', score: 0, type: 'control' },
    { piece: '</s>', score: 0, type: 'control' },
    ...Object.entries(normal).map(([piece, score]): SentencePiece => ({ piece, score, type: 'normal' })),
  ];
  return {
    pieces,
    trainerSpec: {
      ...LLAMA_TRAINER_SPEC,
      modelType: overrides.modelType ?? 'bpe',
      byteFallback: overrides.byteFallback ?? false,
    },
    normalizerSpec: LLAMA_NORMALIZER_SPEC,
  };
}

describe('LlamaTokenizer without byte fallback', () => {
  const tok = LlamaTokenizer.fromModel(tinyModel({ '▁': -1, a: -2, '▁a': -3 }));

  it('merges a run of unknown characters into one unk, as sentencepiece does', () => {
    // '▁', 'x', 'y', 'z', '▁a' -> 'x','y','z' are unknown and become a single <unk>.
    expect(tok.encode('xyz a')).toEqual([3, 0, 5]);
    expect(tok.decode([3, 0, 5])).toBe(' \u2047  a');
  });
});

describe('LlamaTokenizer.fromModel', () => {
  it.each([
    ['a unigram model', tinyModel({}, { modelType: 'unigram' }), 'tokenizer_unsupported'],
    ['byte fallback without byte pieces', tinyModel({}, { byteFallback: true }), 'tokenizer_file_invalid'],
  ])('rejects %s', (_name, model, code) => {
    expect(() => LlamaTokenizer.fromModel(model)).toThrow(expect.objectContaining({ code }));
  });

  it('rejects a missing file with tokenizer_file_missing', async () => {
    await expect(loadLlamaTokenizer(fixturePath('no-such.model'))).rejects.toMatchObject({
      code: 'tokenizer_file_missing',
    });
  });
});
