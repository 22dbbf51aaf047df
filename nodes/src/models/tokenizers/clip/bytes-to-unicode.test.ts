import { describe, expect, it } from 'vitest';
import { bytesToUnicode } from './bytes-to-unicode';

describe(bytesToUnicode.name, () => {
  const table = bytesToUnicode();

  it('maps all 256 bytes to distinct single characters', () => {
    expect(new Set(table.map(([byte]) => byte)).size).toBe(256);
    expect(new Set(table.map(([, char]) => char)).size).toBe(256);
    expect(table.every(([, char]) => char.length === 1)).toBe(true);
  });

  it.each([
    [0, '\u0100'],
    [32, '\u0120'],
    [65, 'A'],
    [0xad, '\u0143'],
    [0xff, '\u00ff'],
  ])('byte %i is %j', (byte, char) => {
    expect(table.find(([b]) => b === byte)?.[1]).toBe(char);
  });

  it('lists printable bytes first, in the order CLIP numbers its vocabulary', () => {
    expect(table.slice(0, 3)).toEqual([
      [33, '!'],
      [34, '"'],
      [35, '#'],
    ]);
    expect(table[188]).toEqual([0, '\u0100']);
  });
});
