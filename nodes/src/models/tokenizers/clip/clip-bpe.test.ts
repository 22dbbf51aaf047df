import { describe, expect, it } from 'vitest';
import { clipBpe } from './clip-bpe';

function ranks(...merges: string[]): Map<string, number> {
  return new Map(merges.map((merge, rank) => [merge, rank]));
}

describe(clipBpe.name, () => {
  it.each([
    ['no merges: characters, last one with </w>', 'cat', ranks(), ['c', 'a', 't</w>']],
    ['one character', 'a', ranks(), ['a</w>']],
    ['merges in rank order', 'cat', ranks('a t</w>', 'c at</w>'), ['cat</w>']],
    ['lower rank first, whatever the position', 'abc', ranks('b c</w>', 'a b'), ['a', 'bc</w>']],
    ['all occurrences of a pair per round', 'ababx', ranks('a b', 'ab ab'), ['abab', 'x</w>']],
    ['repeated characters', 'aaaa', ranks('a a', 'aa aa', 'a a</w>'), ['aa', 'aa</w>']],
    ['overlap resolved leftmost', 'aaa', ranks('a a'), ['aa', 'a</w>']],
    ['empty word', '', ranks(), []],
  ])('%s', (_name, word, mergeRanks, expected) => {
    expect(clipBpe(word, mergeRanks)).toEqual(expected);
  });
});
