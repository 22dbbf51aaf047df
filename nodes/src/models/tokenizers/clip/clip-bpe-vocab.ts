/**
 * @module
 * CLIP's BPE vocabulary (token -> id) and merge ranks, built from either file layout that ships it:
 * diffusers/HF `vocab.json` + `merges.txt`, or OpenAI's `bpe_simple_vocab_16e6.txt(.gz)` merges list
 * alone, from which openai/CLIP `simple_tokenizer.py` derives the ids. Both give identical ids.
 */
import { EngineError } from '@momaflow/engine';
import { bytesToUnicode } from './bytes-to-unicode';

/** Token strings are byte-level (see `bytesToUnicode`); a word's last token carries `</w>`. */
export interface ClipBpeVocab {
  readonly encoder: ReadonlyMap<string, number>;
  /** Rank of each merge, keyed `"${left} ${right}"`; lower merges first. */
  readonly mergeRanks: ReadonlyMap<string, number>;
}

/** The special tokens SD1.x uses: BOS 49406, EOS (also pad and unk) 49407 in the real vocabulary. */
export const CLIP_BOS_TOKEN = '<|startoftext|>';
export const CLIP_EOS_TOKEN = '<|endoftext|>';

/**
 * The vocabulary has 49408 ids: 512 byte tokens, 48894 merges, 2 specials. openai/CLIP and HF both read
 * merges lines [1, 49152 - 256 - 2 + 1), skipping the `#version` header, so a longer file adds nothing.
 */
const MERGES_END_LINE = 49152 - 256 - 2 + 1;

function parseMerges(text: string, source: string): string[] {
  // Trimmed first, as HF does, so a trailing newline in a short file is not an empty merge.
  const lines = text.trim().split('\n').slice(1, MERGES_END_LINE);
  return lines.map((line, i) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2) {
      throw new EngineError(
        'tokenizer_file_invalid',
        `${source}: merges line ${i + 2} must hold two tokens, got ${JSON.stringify(line)}`,
        { source, line: i + 2 },
      );
    }
    return `${parts[0]} ${parts[1]}`;
  });
}

function rankMerges(merges: readonly string[]): Map<string, number> {
  const ranks = new Map<string, number>();
  // Later duplicates win, as `dict(zip(merges, range(len(merges))))` in the reference.
  merges.forEach((merge, rank) => {
    ranks.set(merge, rank);
  });
  return ranks;
}

function parseEncoder(json: string, source: string): Map<string, number> {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EngineError(
      'tokenizer_file_invalid',
      `${source}: vocab.json must be an object of token -> id`,
      {
        source,
      },
    );
  }
  const encoder = new Map<string, number>();
  for (const [token, id] of Object.entries(parsed)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new EngineError(
        'tokenizer_file_invalid',
        `${source}: id of token ${JSON.stringify(token)} must be an integer >= 0, got ${JSON.stringify(id)}`,
        { source, token },
      );
    }
    encoder.set(token, id);
  }
  return encoder;
}

/**
 * The vocabulary of a diffusers/HF tokenizer folder, from the contents of `vocab.json` and
 * `merges.txt`. `source` names the folder in error messages.
 * @example
 * const vocab = clipVocabFromVocabAndMerges({ vocabJson, mergesTxt, source: 'tiny-sd/tokenizer' });
 */
export function clipVocabFromVocabAndMerges(options: {
  vocabJson: string;
  mergesTxt: string;
  source: string;
}): ClipBpeVocab {
  return {
    encoder: parseEncoder(options.vocabJson, options.source),
    mergeRanks: rankMerges(parseMerges(options.mergesTxt, options.source)),
  };
}

/**
 * The vocabulary openai/CLIP derives from its merges file: the 256 byte tokens, the same with `</w>`,
 * one token per merge, then `<|startoftext|>` and `<|endoftext|>`, numbered in that order.
 * @example
 * const vocab = clipVocabFromOpenAiMerges({ mergesTxt: gunzipSync(gz).toString('utf8'), source: 'bpe.gz' });
 */
export function clipVocabFromOpenAiMerges(options: { mergesTxt: string; source: string }): ClipBpeVocab {
  const merges = parseMerges(options.mergesTxt, options.source);
  const byteChars = bytesToUnicode().map(([, char]) => char);
  const tokens = [
    ...byteChars,
    ...byteChars.map((char) => `${char}</w>`),
    ...merges.map((merge) => merge.replace(' ', '')),
    CLIP_BOS_TOKEN,
    CLIP_EOS_TOKEN,
  ];
  const encoder = new Map<string, number>();
  tokens.forEach((token, id) => {
    encoder.set(token, id);
  });
  return { encoder, mergeRanks: rankMerges(merges) };
}
