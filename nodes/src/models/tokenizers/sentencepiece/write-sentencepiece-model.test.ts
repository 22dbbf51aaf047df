import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test-fixtures';
import { LlamaTokenizer } from './llama-tokenizer';
import { parseSentencePieceModel } from './sentencepiece-model';
import { writeSentencePieceModel } from './write-sentencepiece-model';

describe(writeSentencePieceModel.name, () => {
  it('writes what the parser reads back, and the tokenizer encodes the same', async () => {
    const original = parseSentencePieceModel(
      await readFile(fixturePath('tokenizers', 'llama-tokenizer.model')),
    );
    const again = parseSentencePieceModel(writeSentencePieceModel(original));
    expect(again).toEqual(original);
    const text = 'USER: <image>\n A photo of a cat. Ω≈ 🐱';
    expect(LlamaTokenizer.fromModel(again).tokenize(text)).toEqual(
      LlamaTokenizer.fromModel(original).tokenize(text),
    );
  });
});
