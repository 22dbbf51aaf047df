import { describe, expect, it } from 'vitest';
import { htmlUnescape } from './html-unescape';

// Expected values are Python 3.11 `html.unescape` outputs.
describe(htmlUnescape.name, () => {
  it.each([
    ['fish &amp; chips', 'fish & chips'],
    ['&lt;3 &gt; &quot;q&quot; &apos;a&apos;', `<3 > "q" 'a'`],
    ['&#39;&#x27;&#X41;&#65', "''AA"],
    ['&#0;|&#128;|&#x9d;|&#xD800;|&#x110000;|&#1;|&#x7f;|&#xFFFE;', '\ufffd|\u20ac|\u009d|\ufffd|\ufffd|||'],
    ['&ampx &amp &copy2024 &notanentity; &hellip &hellip;', '&x & \u00a92024 \u00acanentity; &hellip \u2026'],
    ['R&D & co', 'R&D & co'],
    ['&#13;', '\r'],
    ['&amp;amp;', '&amp;'],
    ['&nbsp;x', '\u00a0x'],
    ['&frac12;cup', '\u00bdcup'],
    ['&#128512;', '\u{1f600}'],
    ['no references', 'no references'],
  ])('%j -> %j', (input, expected) => {
    expect(htmlUnescape(input)).toBe(expected);
  });
});
