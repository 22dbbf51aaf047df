/**
 * @module
 * Prompt cleanup before CLIP's pre-tokenizer, as openai/CLIP `simple_tokenizer.py` does it
 * (`basic_clean` then `whitespace_clean`, then lowercase) and as HF `CLIPTokenizer` does when ftfy is
 * installed. ftfy itself is not reproduced; of its fixes this keeps the two that change CLIP tokens for
 * ordinary prompts: Unicode NFC and dropping control characters.
 */
import { htmlUnescape } from './html-unescape';

/**
 * Python's `str.isspace` set, which `re.sub(r'\s+', ' ', text)` uses. It differs from JavaScript's `\s`:
 * Python counts U+001C-U+001F and U+0085, JavaScript counts U+FEFF.
 */
export const PY_WHITESPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'g');
const EDGE_WHITESPACE = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, 'g');
// Controls that are not whitespace (NUL, BEL, ESC, DEL, C1...): ftfy removes them.
const CONTROL = new RegExp(`[^\\P{Cc}${PY_WHITESPACE}]`, 'gu');
// A lone surrogate cannot be UTF-8 encoded; Python would refuse it, we substitute U+FFFD.
const LONE_SURROGATE = /\p{Cs}/gu;

/**
 * Cleans a prompt the way CLIP's reference tokenizer does before splitting it into words: HTML
 * references resolved twice, NFC, controls removed, whitespace runs collapsed to one space and
 * trimmed, lowercase.
 * @example
 * cleanClipText('  A&amp;B\n\tCat  '); // 'a&b cat'
 */
export function cleanClipText(text: string): string {
  return htmlUnescape(htmlUnescape(text))
    .replace(LONE_SURROGATE, '\ufffd')
    .normalize('NFC')
    .replace(CONTROL, '')
    .replace(WHITESPACE_RUN, ' ')
    .replace(EDGE_WHITESPACE, '')
    .toLowerCase();
}
