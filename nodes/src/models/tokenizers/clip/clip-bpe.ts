/**
 * @module
 * Rank-ordered byte-pair merging of one pre-tokenized CLIP word (openai/CLIP `SimpleTokenizer.bpe`).
 */

/**
 * Splits one byte-level word into BPE tokens: start from single characters with `</w>` glued to the
 * last, then repeatedly merge every occurrence of the lowest-ranked adjacent pair until no pair has a
 * rank. Each round merges all occurrences of the pair, left to right without overlap, as the
 * reference does.
 * @example
 * clipBpe('cats', ranks); // ['cats</w>']
 */
export function clipBpe(word: string, mergeRanks: ReadonlyMap<string, number>): string[] {
  const chars = [...word];
  if (chars.length === 0) return [];
  let parts = [...chars.slice(0, -1), `${chars.at(-1)}</w>`];
  while (parts.length > 1) {
    let best: string | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < parts.length; i++) {
      const rank = mergeRanks.get(`${parts[i]} ${parts[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = `${parts[i]} ${parts[i + 1]}`;
      }
    }
    if (best === undefined) break;
    const [first, second] = best.split(' ') as [string, string];
    const merged: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === first && parts[i + 1] === second && i + 1 < parts.length) {
        merged.push(first + second);
        i++;
      } else {
        merged.push(parts[i] as string);
      }
    }
    parts = merged;
  }
  return parts;
}
