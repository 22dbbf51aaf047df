import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { EngineError } from '@momaflow/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, readInt64Rows, readVectorsJson } from '../test-fixtures';
import { clipVocabFromOpenAiMerges, clipVocabFromVocabAndMerges } from './clip-bpe-vocab';
import type { ClipTokenizer } from './clip-tokenizer';
import { loadClipTokenizer } from './load-clip-tokenizer';

const SOURCES = {
  'diffusers vocab.json + merges.txt': () => fixturePath('tiny-sd', 'tokenizer'),
  'openai bpe_simple_vocab_16e6.txt.gz': () => fixturePath('tokenizers', 'bpe_simple_vocab_16e6.txt.gz'),
};

/**
 * Prompt tokens (no BOS/EOS) from openai/CLIP `simple_tokenizer.py` with the cleanup of
 * `cleanClipText` (python `regex`, Python 3.11), for text the fixtures do not cover.
 */
const TRICKY: Array<[string, number[]]> = [
  ['Hello, world!!! ... ?!', [3306, 267, 1002, 995, 678, 2835]],
  [
    '1girl, 2 cats, 3.14159 in 2024',
    [272, 1611, 267, 273, 3989, 267, 274, 269, 272, 275, 272, 276, 280, 530, 273, 271, 273, 275],
  ],
  [
    "it's the cat's toy; they're here, I'll go, we've, I'd, I'm, don't",
    [
      585, 568, 518, 2368, 568, 5988, 282, 889, 982, 763, 267, 328, 1342, 861, 267, 649, 1200, 267, 328, 1896,
      267, 328, 880, 267, 847, 713,
    ],
  ],
  ["IT'S A CAT'S LIFE", [585, 568, 320, 2368, 568, 970]],
  ['café naïve Ünïcödé', [15304, 1097, 35689, 563, 6522, 77, 35689, 66, 7255, 67, 4166]],
  ['cafe\u0301', [15304]],
  ['東京タワー', [48338, 21078, 105, 34941, 2429, 107, 30391]],
  ['Привет мир', [26302, 16370, 29503, 110, 22176, 141, 480, 38018, 16701, 141, 478]],
  ['a cat 🐱 with 👍🏽 and ❤️', [320, 2368, 22979, 593, 43722, 537, 1752]],
  ['  a   photo \t of\n\na cat  ', [320, 1125, 539, 320, 2368]],
  ['fish &amp; chips &lt;3 &#39;quoted&#x27; &amp;amp;', [2759, 261, 8855, 283, 274, 262, 27706, 262, 261]],
  ['a <|endoftext|> b', [320, 49407, 321]],
  ['a\u0000b\u0007c', [5334]],
  ['   ', []],
  [
    'masterpiece, (best quality:1.2), [blurry], {detailed}',
    [12066, 267, 263, 949, 3027, 281, 272, 269, 273, 2361, 314, 21977, 34067, 346, 12609, 348],
  ],
  ['S* portrait_of-a dog', [338, 265, 5352, 318, 539, 268, 320, 1929]],
  ['r&d lab', [337, 261, 323, 4352]],
];

describe.each(Object.entries(SOURCES))('ClipTokenizer from %s', (_source, path) => {
  let tok: ClipTokenizer;
  beforeAll(async () => {
    tok = await loadClipTokenizer(path());
  });

  it('has the SD1.x vocabulary and special ids', () => {
    expect(tok.vocabSize).toBe(49408);
    expect(tok.bosId).toBe(49406);
    expect(tok.eosId).toBe(49407);
  });

  it('reproduces text.input_ids of vectors.safetensors for every fixture prompt', async () => {
    const { prompts } = await readVectorsJson();
    const expected = await readInt64Rows('text.input_ids');
    expect(expected).toHaveLength(prompts.length);
    prompts.forEach((prompt, i) => {
      const { ids, truncated } = tok.tokenize(prompt, { maxLength: 77 });
      expect(Array.from(ids), JSON.stringify(prompt)).toEqual(expected[i]);
      expect(truncated).toBe(false);
    });
  });

  it.each(TRICKY)('encodes %j like the reference', (text, expected) => {
    expect(tok.encode(text)).toEqual(expected);
  });

  it('truncates a long prompt to 77 positions, keeps EOS last and reports it', () => {
    const prompt = Array.from({ length: 100 }, (_, i) => `word${i % 10}`).join(' ');
    const tokens = tok.encode(prompt);
    const { ids, truncated, tokenCount } = tok.tokenize(prompt);
    expect(tokenCount).toBe(tokens.length);
    expect(tokenCount).toBeGreaterThan(75);
    expect(truncated).toBe(true);
    expect(ids).toHaveLength(77);
    expect(Array.from(ids)).toEqual([49406, ...tokens.slice(0, 75), 49407]);
  });

  it('is not truncated at exactly 75 prompt tokens', () => {
    const { ids, truncated, tokenCount } = tok.tokenize('a '.repeat(75));
    expect(tokenCount).toBe(75);
    expect(truncated).toBe(false);
    expect(ids[76]).toBe(49407);
  });

  it('pads with padId when given (SD2.x convention)', () => {
    const { ids } = tok.tokenize('a cat', { padId: 0, maxLength: 8 });
    expect(Array.from(ids)).toEqual([49406, 320, 2368, 49407, 0, 0, 0, 0]);
  });

  it('rejects a maxLength that cannot hold BOS and EOS', () => {
    expect(() => tok.tokenize('a', { maxLength: 1 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }) as EngineError,
    );
  });

  it('decodes ids back to the cleaned text', () => {
    const text = 'a photo of an astronaut, 4k café 🐱';
    expect(tok.decode(Array.from(tok.tokenize(text).ids))).toBe('a photo of an astronaut , 4 k café 🐱');
  });
});

describe('CLIP vocabulary sources', () => {
  it('give identical token -> id maps and merge ranks', async () => {
    const dir = fixturePath('tiny-sd', 'tokenizer');
    const diffusers = clipVocabFromVocabAndMerges({
      vocabJson: await readFile(`${dir}/vocab.json`, 'utf8'),
      mergesTxt: await readFile(`${dir}/merges.txt`, 'utf8'),
      source: dir,
    });
    const gz = await readFile(fixturePath('tokenizers', 'bpe_simple_vocab_16e6.txt.gz'));
    const openai = clipVocabFromOpenAiMerges({ mergesTxt: gunzipSync(gz).toString('utf8'), source: 'gz' });
    expect(openai.encoder.size).toBe(49408);
    expect(openai.mergeRanks.size).toBe(48894);
    expect(openai.encoder).toEqual(diffusers.encoder);
    expect(openai.mergeRanks).toEqual(diffusers.mergeRanks);
  });

  it.each([
    ['a merges line without two tokens', '{"a": 0}', '#version: 0.2\na b c\n', 'tokenizer_file_invalid'],
    ['a vocab that is not an object', '[1, 2]', '#version: 0.2\na b\n', 'tokenizer_file_invalid'],
    ['a negative id', '{"a": -1}', '#version: 0.2\na b\n', 'tokenizer_file_invalid'],
  ])('rejects %s', (_name, vocabJson, mergesTxt, code) => {
    expect(() => clipVocabFromVocabAndMerges({ vocabJson, mergesTxt, source: 'test' })).toThrow(
      expect.objectContaining({ code }) as EngineError,
    );
  });

  it('rejects a missing path with tokenizer_file_missing', async () => {
    await expect(loadClipTokenizer(fixturePath('no-such-tokenizer'))).rejects.toMatchObject({
      code: 'tokenizer_file_missing',
    });
  });
});
