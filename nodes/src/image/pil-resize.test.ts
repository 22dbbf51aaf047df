import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rgbPattern } from './image-test-utils';
import type { Image8 } from './image8';
import { PIL_BICUBIC, pilResize } from './pil-resize';

/** A 97x61 RGB test pattern with edges and texture in every channel. */
const pattern = () => rgbPattern(97, 61, (x, y, c) => x * 37 + y * 11 + c * 91 + ((x * y) % 17) * 5);

const pixel = (im: Image8, x: number, y: number) => [
  ...im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3),
];

// Pillow 9.4 (Debian's python3-pil): np.array(Image.fromarray(pattern).resize((w, h), Image.BICUBIC)),
// its sha256 and three pixels (top-left, (w/3, h/2), bottom-right).
const PIL_REFERENCE = [
  {
    w: 48,
    h: 30,
    sha256: 'a9b72b5ba292e5e22cc29f271c647383f86940f8c75d67742a632dcacd7aaab4',
    px: [
      [28, 121, 196],
      [30, 135, 212],
      [128, 167, 72],
    ],
  },
  {
    w: 160,
    h: 100,
    sha256: '3859da7661e7a8851ae25c3a47e116a635c29a24f23721b0769bf0b8147bb6d8',
    px: [
      [0, 87, 178],
      [19, 108, 199],
      [197, 0, 123],
    ],
  },
  {
    w: 97,
    h: 40,
    sha256: 'f80a8f4c7101f08947333c8bea1f0872ecb8d9b67b4ce8a5e4c9d0bf2d515726',
    px: [
      [3, 94, 185],
      [19, 110, 201],
      [161, 88, 87],
    ],
  },
  {
    w: 13,
    h: 61,
    sha256: '0910ce9eeaa1076b8616c793f24f9190b767fccbb11fbae2c5223e8859db8eff',
    px: [
      [99, 135, 110],
      [95, 125, 157],
      [111, 123, 118],
    ],
  },
];

describe(pilResize.name, () => {
  it.each(PIL_REFERENCE)('matches PIL BICUBIC byte for byte at $w x $h', ({ w, h, sha256, px }) => {
    const out = pilResize(pattern(), { width: w, height: h, filter: PIL_BICUBIC });
    expect([
      pixel(out, 0, 0),
      pixel(out, Math.floor(w / 3), Math.floor(h / 2)),
      pixel(out, w - 1, h - 1),
    ]).toEqual(px);
    expect(createHash('sha256').update(out.data).digest('hex')).toBe(sha256);
  });

  it('returns the same pixels at the same size', () => {
    const im = pattern();
    expect(pilResize(im, { width: im.width, height: im.height, filter: PIL_BICUBIC }).data).toEqual(im.data);
  });

  it('rejects a zero size', () => {
    expect(() => pilResize(pattern(), { width: 0, height: 4, filter: PIL_BICUBIC })).toThrowError(
      expect.objectContaining({ code: 'invalid_size' }),
    );
  });
});
