import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../tensor';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16';
import { openSafetensors } from './safetensors-reader';
import { encodeSafetensors, writeSafetensors } from './safetensors-writer';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-st-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function headerText(bytes: Uint8Array): string {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return new TextDecoder().decode(bytes.subarray(8, 8 + n));
}

describe(encodeSafetensors.name, () => {
  it('writes the exact bytes of the reference layout (sorted keys, metadata first, space padding)', () => {
    const bytes = encodeSafetensors(
      {
        b: new Tensor('float32', [2], Float32Array.from([1, 2])),
        a: new Tensor('int64', [1], BigInt64Array.from([7n])),
      },
      { metadata: { format: 'pt' } },
    );
    const header =
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    expect(headerText(bytes)).toBe(padded);
    expect((8 + padded.length) % 8).toBe(0);
    expect(Buffer.from(bytes.subarray(8 + padded.length)).toString('hex')).toBe(
      '0700000000000000' + '0000803f00000040',
    );
  });

  it('does not depend on the insertion order of tensors or metadata', () => {
    const x = new Tensor('float32', [1], Float32Array.from([3]));
    const y = new Tensor('float32', [2], Float32Array.from([4, 5]));
    const a = encodeSafetensors({ '10': x, '2': y, z: x }, { metadata: { q: '1', p: '2' } });
    const b = encodeSafetensors({ z: x, '2': y, '10': x }, { metadata: { p: '2', q: '1' } });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(headerText(a).indexOf('"10":{')).toBeLessThan(headerText(a).indexOf('"2":{'));
  });

  it('rounds floats to F16 with round-to-nearest-even and keeps ints', async () => {
    const values = Float32Array.from([0.1, 1 + 2 ** -11, 65520, -3.3]);
    const path = join(dir, 'half.safetensors');
    await writeSafetensors(
      path,
      { w: new Tensor('float32', [2, 2], values), n: new Tensor('int64', [1], BigInt64Array.from([-1n])) },
      { dtype: 'F16' },
    );
    const r = await openSafetensors(path);
    expect(r.info('w')?.dtype).toBe('F16');
    expect([...(await r.readFloat32('w')).data]).toEqual(
      [...values].map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))),
    );
    expect([...(await r.readFloat32('w')).data].slice(1, 3)).toEqual([1, Number.POSITIVE_INFINITY]);
    expect([...(await r.read('n')).data]).toEqual([-1n]);
    await r.close();
  });

  it('stores every Tensor dtype: float16 raw bits, int32, uint8 and bool', async () => {
    const path = join(dir, 'dtypes.safetensors');
    await writeSafetensors(path, {
      h: new Tensor('float16', [2], Uint16Array.from([0x3c00, 0xc000])),
      i: new Tensor('int32', [2], Int32Array.from([-7, 9])),
      u: new Tensor('uint8', [1], Uint8Array.from([200])),
      b: new Tensor('bool', [2], Uint8Array.from([1, 0])),
    });
    const r = await openSafetensors(path);
    expect(r.keys().map((k) => r.info(k)?.dtype)).toEqual(['BOOL', 'F32', 'I32', 'U8']);
    expect([...(await r.readFloat32('h')).data]).toEqual([1, -2]);
    expect([...(await r.read('i')).data]).toEqual([-7n, 9n]);
    expect([...(await r.read('u')).data]).toEqual([200n]);
    expect([...(await r.read('b')).data]).toEqual([1n, 0n]);
    await r.close();
  });

  it('refuses the reserved name __metadata__', () => {
    expect(() => encodeSafetensors({ __metadata__: Tensor.filled([1], 0) })).toThrow(
      expect.objectContaining({ code: 'safetensors_reserved_name' }),
    );
  });
});

describe(writeSafetensors.name, () => {
  it('round-trips random F32 tensors exactly and writes identical bytes twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__metadata__'),
          fc.array(fc.float({ noNaN: true }), { maxLength: 12 }),
          { maxKeys: 5 },
        ),
        async (spec) => {
          const tensors = Object.fromEntries(
            Object.entries(spec).map(([k, v]) => [
              k,
              new Tensor('float32', [v.length], Float32Array.from(v)),
            ]),
          );
          const p1 = join(dir, 'rt1.safetensors');
          const p2 = join(dir, 'rt2.safetensors');
          await writeSafetensors(p1, tensors);
          await writeSafetensors(p2, tensors);
          expect((await readFile(p1)).equals(await readFile(p2))).toBe(true);
          const r = await openSafetensors(p1);
          expect(r.keys()).toEqual(Object.keys(spec).sort());
          for (const [k, t] of Object.entries(tensors)) expect((await r.readFloat32(k)).data).toEqual(t.data);
          await r.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves no temporary file behind, and reports unwritable paths with a code', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    await writeSafetensors(join(sub, 'a.safetensors'), { x: Tensor.filled([1], 1) });
    expect(await readdir(sub)).toEqual(['a.safetensors']);
    await expect(writeSafetensors(join(dir, 'no', 'such', 'dir.safetensors'), {})).rejects.toMatchObject({
      code: 'weight_file_unwritable',
    });
  });
});
