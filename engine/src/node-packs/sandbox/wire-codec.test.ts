import { describe, expect, it } from 'vitest';
import { EngineError } from '../../errors/engine-error';
import { Tensor } from '../../tensor/tensor';
import { createFrameReader, decodeFrame, encodeMessage, frameChunks } from './wire-codec';

function roundTrip(message: unknown, chunkBytes = Number.POSITIVE_INFINITY): unknown[] {
  const bytes = Buffer.concat(frameChunks(encodeMessage(message)));
  const out: unknown[] = [];
  const reader = createFrameReader((body) => out.push(decodeFrame(body)));
  // Twice, split into small chunks: frames may straddle reads.
  const stream = Buffer.concat([bytes, bytes]);
  for (let at = 0; at < stream.length; at += Math.min(chunkBytes, stream.length)) {
    reader.push(stream.subarray(at, at + Math.min(chunkBytes, stream.length)));
  }
  return out;
}

describe(encodeMessage.name, () => {
  it.each([1, 7, 4096])('round-trips tensors, typed arrays and plain data in %i-byte chunks', (chunk) => {
    const image = new Tensor(
      'float32',
      [1, 3, 2, 3],
      Float32Array.from({ length: 18 }, (_, i) => i / 7),
    );
    const ids = new Tensor('int64', [2], BigInt64Array.from([1n, -2n]));
    const message = {
      type: 'result',
      call: 3,
      value: [image, { ui: { text: ['a'] } }, new Uint8Array([1, 2]), undefined, Number.NaN, 5n],
    };
    for (const decoded of roundTrip(message, chunk)) {
      const { value } = decoded as { value: unknown[] };
      expect(value[0]).toBeInstanceOf(Tensor);
      expect(value[0]).toEqual(image);
      expect(value[1]).toEqual({ ui: { text: ['a'] } });
      expect(value[2]).toEqual(new Uint8Array([1, 2]));
      expect(value.slice(3)).toEqual([undefined, Number.NaN, 5n]);
    }
    expect(roundTrip({ ids }, chunk)[0]).toEqual({ ids });
  });

  it('sends tensor data as raw bytes, not JSON', () => {
    const image = Tensor.zeros('float32', [1, 512, 512, 3]);
    const { header, blobs } = encodeMessage({ image });
    expect(header.byteLength).toBeLessThan(100);
    expect(blobs.map((b) => b.byteLength)).toEqual([512 * 512 * 3 * 4]);
    expect(blobs[0]?.buffer).toBe(image.data.buffer);
  });

  it.each([
    [{ f: () => 1 }, /value\.f: a function cannot cross/],
    [{ model: new Map() }, /value\.model: a Map cannot cross/],
  ])('refuses values that are not data: %o', (message, error) => {
    expect(() => encodeMessage(message)).toThrow(error);
  });

  it('rejects malformed frames with a sandbox_frame_invalid error', () => {
    const body = Buffer.concat(frameChunks(encodeMessage({ t: Tensor.zeros('float32', [4]) }))).subarray(
      4,
      -3,
    );
    try {
      decodeFrame(body);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('sandbox_frame_invalid');
    }
  });
});
