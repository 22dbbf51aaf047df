/**
 * @module
 * The tokenizer of momaflow's tiny LLaVA: a real SentencePiece BPE model in LLaMA's configuration
 * (`<unk>` `<s>` `</s>`, 256 byte pieces for byte fallback, identity normalizer with the dummy
 * prefix), but with a vocabulary of about a thousand pieces made here: printable ASCII, then the
 * words of MoMA's prompt and common English words as merge chains (`▁p`, `▁ph`, ... `▁photo`). Any
 * text encodes (unknown characters as UTF-8 bytes); LLaMA's own 32000-piece model is not ours to ship.
 */
import {
  LLAMA_NORMALIZER_SPEC,
  LLAMA_TRAINER_SPEC,
  type SentencePiece,
  type SentencePieceModel,
} from '../tokenizers/sentencepiece';

const WORDS = [
  // MoMA's LLaVA prompt.
  'USER',
  'ASSISTANT',
  'A',
  'photo',
  'of',
  'a',
  'Describe',
  'new',
  'image',
  'the',
  'same',
  'in',
  // Subjects and scenes of MoMA's examples and of typical prompts.
  'cat',
  'dog',
  'car',
  'toy',
  'teapot',
  'backpack',
  'sculpture',
  'wooden',
  'table',
  'autumn',
  'falling',
  'leaves',
  'with',
  'and',
  'on',
  'at',
  'by',
  'for',
  'from',
  'into',
  'an',
  'is',
  'it',
  'its',
  'as',
  'sitting',
  'standing',
  'running',
  'wearing',
  'beach',
  'snow',
  'forest',
  'city',
  'street',
  'night',
  'style',
  'painting',
  'red',
  'blue',
  'green',
  'yellow',
  'black',
  'white',
  'small',
  'big',
  'under',
  'front',
  'Eiffel',
  'Tower',
  'Van',
  'Gogh',
  'Starry',
  'Night',
  'watercolor',
  'oil',
  'sunset',
  'garden',
  'water',
  'grass',
  'sky',
  'room',
  'floor',
  'chair',
  'hat',
  'glasses',
  'house',
  'mountain',
  'river',
];

const SPACE = '\u2581';

/**
 * The tiny model's pieces: ids 0-2 special, 3-258 bytes, then single characters and word chains.
 * @example
 * tinyLlamaTokenizerModel().pieces.length; // its vocab_size
 */
export function tinyLlamaTokenizerModel(): SentencePieceModel {
  const pieces: SentencePiece[] = [
    { piece: '<unk>', score: 0, type: 'unknown' },
    { piece: '<s>', score: 0, type: 'control' },
    { piece: '</s>', score: 0, type: 'control' },
  ];
  for (let byte = 0; byte < 256; byte++) {
    pieces.push({ piece: `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, score: 0, type: 'byte' });
  }
  const seen = new Set<string>();
  const add = (piece: string, score: number) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    pieces.push({ piece, score, type: 'normal' });
  };
  add(SPACE, -1);
  for (let c = 0x21; c < 0x7f; c++) add(String.fromCharCode(c), -1);
  // Shorter prefixes score higher, so each chain merges left to right into the whole word.
  for (const word of WORDS) {
    const spelled = SPACE + word;
    for (let end = 2; end <= spelled.length; end++) add(spelled.slice(0, end), -end);
  }
  return {
    pieces,
    trainerSpec: LLAMA_TRAINER_SPEC,
    normalizerSpec: LLAMA_NORMALIZER_SPEC,
  };
}
