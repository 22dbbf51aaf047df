import { beforeAll, describe, expect, it } from 'vitest';
import { float32ToFloat16Array } from './float16';
import { bytesOf, useTempFiles } from './test-utils/temp-files';
import { buildTorchFile } from './test-utils/torch-file-builder';
import { openTorchFile, readTorchPickle } from './torch-reader';
import { TorchTensorHandle } from './torch-tensor';
import type { TensorViewSpec } from './torch-writer';
import { torchStatePickle } from './torch-writer';

const tmp = useTempFiles('torch');
const torchFile = (bytes: Uint8Array): Promise<string> => tmp.file(bytes);
const view = (v: Omit<TensorViewSpec, 'storageType'> & Partial<TensorViewSpec>): TensorViewSpec => ({
  storageType: 'FloatStorage',
  ...v,
});

function expectedView(
  storage: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rest = flat;
    let at = offset;
    for (let k = shape.length - 1; k >= 0; k--) {
      at += (rest % shape[k]!) * stride[k]!;
      rest = Math.floor(rest / shape[k]!);
    }
    out.push(storage[at]!);
  }
  return out;
}

describe('strided and offset tensor views', () => {
  const base = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
  const longs = BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i * 1000 - 4000));
  const views: Record<string, TensorViewSpec> = {
    contiguous: view({ key: 'f', numel: 24, offset: 0, shape: [2, 3, 4], stride: [12, 4, 1] }),
    transposed: view({ key: 'f', numel: 24, offset: 0, shape: [4, 6], stride: [1, 4] }),
    sliced: view({ key: 'f', numel: 24, offset: 5, shape: [3, 2], stride: [6, 2] }),
    permuted: view({ key: 'f', numel: 24, offset: 1, shape: [2, 2, 3], stride: [1, 12, 4] }),
    expanded: view({ key: 'f', numel: 24, offset: 7, shape: [3, 4], stride: [0, 1] }),
    scalar: view({ key: 'f', numel: 24, offset: 23, shape: [], stride: [] }),
    empty: view({ key: 'f', numel: 24, offset: 3, shape: [0, 5], stride: [5, 1] }),
    halfColumn: view({ storageType: 'HalfStorage', key: 'h', numel: 24, offset: 2, shape: [5], stride: [4] }),
    longStrided: view({
      storageType: 'LongStorage',
      key: 'l',
      numel: 10,
      offset: 1,
      shape: [2, 2],
      stride: [1, 4],
    }),
  };
  let path = '';
  beforeAll(async () => {
    const storages = { f: bytesOf(base), h: bytesOf(float32ToFloat16Array(base)), l: bytesOf(longs) };
    path = await torchFile(buildTorchFile({ pickle: torchStatePickle(views), storages }));
  });

  it.each(Object.keys(views).filter((k) => k !== 'longStrided'))(
    '%s matches storage[offset + Σ i·stride]',
    async (name) => {
      const v = views[name]!;
      const r = await openTorchFile(path);
      const t = await r.readFloat32(name);
      await r.close();
      expect(t.shape).toEqual(v.shape);
      expect([...t.data]).toEqual(expectedView(base, v.offset, v.shape, v.stride));
    },
  );

  it('int64 views are gathered the same way', async () => {
    const r = await openTorchFile(path);
    const t = await r.read('longStrided');
    await r.close();
    expect([...t.data]).toEqual([-3000n, 1000n, -2000n, 2000n]);
  });

  it('views of one storage report the same storage key', async () => {
    const tree = await readTorchPickle(path);
    const a = tree.transposed;
    const b = tree.sliced;
    expect(
      a instanceof TorchTensorHandle && b instanceof TorchTensorHandle && a.storage.key === b.storage.key,
    ).toBe(true);
  });
});
