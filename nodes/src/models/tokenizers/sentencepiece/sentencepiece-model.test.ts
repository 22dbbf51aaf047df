import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test-fixtures';
import { parseSentencePieceModel } from './sentencepiece-model';

describe(parseSentencePieceModel.name, () => {
  it('reads the pieces and specs of the LLaMA tokenizer.model', async () => {
    const model = parseSentencePieceModel(await readFile(fixturePath('tokenizers', 'llama-tokenizer.model')));
    expect(model.pieces).toHaveLength(32000);
    expect(model.pieces.slice(0, 4)).toEqual([
      { piece: '<unk>', score: 0, type: 'unknown' },
      { piece: '<s>', score: 0, type: 'control' },
      { piece: '</s>', score: 0, type: 'control' },
      { piece: '<0x00>', score: 0, type: 'byte' },
    ]);
    expect(model.pieces[29871]).toEqual({ piece: '▁', score: -1e9, type: 'normal' });
    expect(model.pieces[31999]).toEqual({ piece: '给', score: -31740, type: 'normal' });
    expect(model.pieces.filter((p) => p.type === 'byte')).toHaveLength(256);
    expect(model.trainerSpec).toMatchObject({
      modelType: 'bpe',
      byteFallback: true,
      bosPiece: '<s>',
      eosPiece: '</s>',
    });
    expect(model.normalizerSpec).toMatchObject({
      name: 'identity',
      addDummyPrefix: true,
      removeExtraWhitespaces: false,
      escapeWhitespaces: true,
    });
    expect(model.normalizerSpec.precompiledCharsmap).toHaveLength(0);
  });

  it.each([
    ['empty input', new Uint8Array(0)],
    ['a truncated piece', Uint8Array.of(0x0a, 0x10, 0x0a, 0x03)],
    ['an unknown piece type', Uint8Array.of(0x0a, 0x05, 0x0a, 0x01, 0x61, 0x18, 0x09)],
  ])('rejects %s with tokenizer_file_invalid', (_name, bytes) => {
    expect(() => parseSentencePieceModel(bytes)).toThrow(
      expect.objectContaining({ code: 'tokenizer_file_invalid' }),
    );
  });
});
