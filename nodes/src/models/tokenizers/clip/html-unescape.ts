/**
 * @module
 * HTML character references as Python's `html.unescape` resolves them, which openai/CLIP's
 * `basic_clean` applies (twice) to every prompt, so `&amp;` and `&` give the same tokens.
 *
 * Numeric references follow Python exactly (optional `;`, Windows-1252 for 0x80-0x9F, U+FFFD for 0,
 * surrogates and out-of-range values, nothing for the codepoints HTML forbids). Named references use
 * the entities that occur in prompts (markup escapes, typographic punctuation, Latin-1 symbols), not
 * the full 2,231-name HTML5 table; an unknown name is left as written, as Python leaves one.
 */

/** Entities valid only with a trailing `;`. */
const NAMED = new Map<string, string>([
  ['apos', "'"],
  ['trade', '\u2122'],
  ['hellip', '\u2026'],
  ['mdash', '\u2014'],
  ['ndash', '\u2013'],
  ['lsquo', '\u2018'],
  ['rsquo', '\u2019'],
  ['sbquo', '\u201a'],
  ['ldquo', '\u201c'],
  ['rdquo', '\u201d'],
  ['bdquo', '\u201e'],
  ['bull', '\u2022'],
  ['euro', '\u20ac'],
  ['hearts', '\u2665'],
  ['star', '\u2606'],
  ['rarr', '\u2192'],
  ['larr', '\u2190'],
]);

/** HTML5 "legacy" entities: also recognised without `;`, even as a prefix of a longer word. */
const LEGACY = new Map<string, string>([
  ['amp', '&'],
  ['AMP', '&'],
  ['lt', '<'],
  ['LT', '<'],
  ['gt', '>'],
  ['GT', '>'],
  ['quot', '"'],
  ['QUOT', '"'],
  ['nbsp', '\u00a0'],
  ['copy', '\u00a9'],
  ['COPY', '\u00a9'],
  ['reg', '\u00ae'],
  ['REG', '\u00ae'],
  ['deg', '\u00b0'],
  ['times', '\u00d7'],
  ['divide', '\u00f7'],
  ['middot', '\u00b7'],
  ['not', '\u00ac'],
  ['laquo', '\u00ab'],
  ['raquo', '\u00bb'],
  ['pound', '\u00a3'],
  ['yen', '\u00a5'],
  ['cent', '\u00a2'],
  ['sect', '\u00a7'],
  ['para', '\u00b6'],
  ['plusmn', '\u00b1'],
  ['frac12', '\u00bd'],
  ['frac14', '\u00bc'],
  ['frac34', '\u00be'],
]);

/** Python's `html._charref` pattern. */
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/**
 * Python's `_invalid_charrefs` for 0x80-0x9F: the Windows-1252 characters browsers substitute (the five
 * unassigned ones stay C1 controls). Spelled out because Node's `TextDecoder('windows-1252')` decodes
 * as Latin-1.
 */
const CP1252_C1 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

function isForbiddenCodepoint(n: number): boolean {
  return (
    (n >= 0x1 && n <= 0x8) ||
    n === 0xb ||
    (n >= 0xe && n <= 0x1f) ||
    (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) ||
    (n & 0xfffe) === 0xfffe
  );
}

function numericRef(ref: string): string {
  const hex = ref[1] === 'x' || ref[1] === 'X';
  const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
  const n = Number.parseInt(digits, hex ? 16 : 10);
  if (n === 0) return '\ufffd';
  if (n === 0x0d) return '\r';
  if (n >= 0x80 && n <= 0x9f) return CP1252_C1[n - 0x80] as string;
  if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff || !Number.isFinite(n)) return '\ufffd';
  if (isForbiddenCodepoint(n)) return '';
  return String.fromCodePoint(n);
}

function namedRef(ref: string): string {
  if (ref.endsWith(';')) {
    const name = ref.slice(0, -1);
    const value = NAMED.get(name) ?? LEGACY.get(name);
    if (value !== undefined) return value;
  } else {
    const value = LEGACY.get(ref);
    if (value !== undefined) return value;
  }
  // As HTML5 and Python do: the longest legacy name that prefixes the reference, rest kept as text.
  for (let end = ref.length - 1; end > 1; end--) {
    const value = LEGACY.get(ref.slice(0, end));
    if (value !== undefined) return value + ref.slice(end);
  }
  return `&${ref}`;
}

/**
 * Resolves HTML character references once, like Python's `html.unescape`.
 * @example
 * htmlUnescape('fish &amp; chips &#39;n&#x27; peas'); // "fish & chips 'n' peas"
 */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF, (_match, ref: string) =>
    ref.startsWith('#') ? numericRef(ref) : namedRef(ref),
  );
}
