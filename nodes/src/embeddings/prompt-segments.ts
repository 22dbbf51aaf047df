/**
 * @module
 * A prompt split into plain text, textual-inversion references and added tokens, as ComfyUI's
 * `SDTokenizer.tokenize_with_weights` splits it: `embedding:<name>` at the start of the prompt or after
 * whitespace names an embedding up to the next whitespace (a trailing ',' is tried without when the
 * name is not found, see `embedding-files.ts`); added tokens (`<new1>`) are matched anywhere, case
 * aside, before the rest is tokenized.
 */

/** One piece of a prompt. */
export type PromptSegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'embedding'; readonly name: string }
  | { readonly kind: 'added'; readonly index: number };

/** ComfyUI's `embedding_identifier`. */
export const EMBEDDING_PREFIX = 'embedding:';

const EMBEDDING_REF = /(^|\s)embedding:(\S+)/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Split plain text at the added tokens' occurrences. */
function splitAdded(text: string, added: readonly string[]): PromptSegment[] {
  if (added.length === 0 || text === '') return text === '' ? [] : [{ kind: 'text', text }];
  // Longest first, so '<new10>' is not read as '<new1>' + '0>'.
  const order = added.map((t, index) => ({ t, index })).sort((a, b) => b.t.length - a.t.length);
  const pattern = new RegExp(order.map((o) => escapeRegExp(o.t)).join('|'), 'gi');
  const out: PromptSegment[] = [];
  let at = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > at) out.push({ kind: 'text', text: text.slice(at, m.index) });
    const hit = order.find((o) => o.t.toLowerCase() === m[0].toLowerCase());
    if (hit !== undefined) out.push({ kind: 'added', index: hit.index });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ kind: 'text', text: text.slice(at) });
  return out;
}

/**
 * @example
 * parsePromptSegments('a photo of embedding:cat-toy, on a beach', []);
 * // [{ kind: 'text', text: 'a photo of ' }, { kind: 'embedding', name: 'cat-toy,' }, { kind: 'text', text: ' on a beach' }]
 */
export function parsePromptSegments(text: string, added: readonly string[]): PromptSegment[] {
  const out: PromptSegment[] = [];
  let at = 0;
  for (const m of text.matchAll(EMBEDDING_REF)) {
    const start = m.index + (m[1]?.length ?? 0);
    out.push(...splitAdded(text.slice(at, start), added));
    out.push({ kind: 'embedding', name: m[2] ?? '' });
    at = start + EMBEDDING_PREFIX.length + (m[2]?.length ?? 0);
  }
  out.push(...splitAdded(text.slice(at), added));
  return out;
}
