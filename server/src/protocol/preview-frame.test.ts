import { describe, expect, it } from 'vitest';
import { decodePreviewFrame, encodePreviewFrame } from './preview-frame';

describe(encodePreviewFrame.name, () => {
  it.each([
    ['JPEG', 1],
    ['PNG', 2],
    ['WEBP', 3],
  ] as const)('writes %s as big-endian event 1, format %i, then the bytes', (format, code) => {
    const frame = encodePreviewFrame({ format, bytes: new Uint8Array([7, 8, 9]) });
    expect([...frame]).toEqual([0, 0, 0, 1, 0, 0, 0, code, 7, 8, 9]);
    expect(decodePreviewFrame(frame)).toEqual({ format, bytes: new Uint8Array([7, 8, 9]) });
  });

  it('reads nothing from frames of another kind', () => {
    expect(decodePreviewFrame(new Uint8Array([0, 0, 0, 2, 0, 0, 0, 1]))).toBeUndefined();
    expect(decodePreviewFrame(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 9]))).toBeUndefined();
    expect(decodePreviewFrame(new Uint8Array([0, 0, 1]))).toBeUndefined();
  });
});
