import { describe, expect, it } from 'vitest';
import { decodePreviewFrame } from './preview-frame';

describe(decodePreviewFrame.name, () => {
  it.each([
    ['JPEG', 'image/jpeg'],
    ['PNG', 'image/png'],
    ['WEBP', 'image/webp'],
  ] as const)('reads %s frames', (format, mime) => {
    const code = { JPEG: 1, PNG: 2, WEBP: 3 }[format];
    const frame = new Uint8Array([0, 0, 0, 1, 0, 0, 0, code, 7, 8, 9]);
    expect(decodePreviewFrame(frame)).toEqual({ mime, bytes: new Uint8Array([7, 8, 9]) });
  });

  it.each([
    [new Uint8Array(4)],
    [new Uint8Array([0, 0, 0, 2, 0, 0, 0, 1])],
    [new Uint8Array([0, 0, 0, 1, 0, 0, 0, 9])],
  ])('refuses %j', (frame) => {
    expect(decodePreviewFrame(frame)).toBeUndefined();
  });
});
