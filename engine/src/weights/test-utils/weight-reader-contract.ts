/**
 * @module
 * The contract every `WeightReader` implementation passes, run by each reader's test file (like hono's
 * `common.case.test.ts`). `make` stores the given tensors in its format and returns the file's path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeightReader } from '../weight-reader';

/** The tensors of the contract, in a format-neutral form. */
export interface ContractTensors {
  /** float32 values, all exactly representable in float16 so any float storage type round-trips. */
  readonly floats: Readonly<Record<string, { shape: readonly number[]; data: Float32Array }>>;
  readonly ints: Readonly<Record<string, { shape: readonly number[]; data: BigInt64Array }>>;
}

/** The contract's tensors: floats of several ranks (scalar included) and an int64 vector. */
export const CONTRACT_TENSORS: ContractTensors = {
  floats: {
    'block.1.weight': { shape: [2, 3], data: Float32Array.from([0.5, -1, 2, 0.25, 1024, -0.125]) },
    'block.0.bias': { shape: [3], data: Float32Array.from([1, 2, 3]) },
    scale: { shape: [], data: Float32Array.from([0.75]) },
  },
  ints: {
    'ids.position': { shape: [4], data: BigInt64Array.from([0n, -1n, 2n ** 40n, 49407n]) },
  },
};

/** Options of `runWeightReaderContract`. */
export interface ContractOptions {
  readonly name: string;
  /** Writes `tensors` into a new file under `dir` and returns its path. */
  readonly make: (dir: string, tensors: ContractTensors) => Promise<string>;
  readonly open: (path: string) => Promise<WeightReader>;
  /** The dtype the format stores floats as (reported by `info`). */
  readonly floatDType: 'F32' | 'F16';
  readonly tmpDir: () => string;
}

/** Registers the contract suite for one implementation. */
export function runWeightReaderContract(o: ContractOptions): void {
  describe(`WeightReader contract: ${o.name}`, () => {
    let path = '';
    let reader: WeightReader;
    beforeAll(async () => {
      path = await o.make(o.tmpDir(), CONTRACT_TENSORS);
      reader = await o.open(path);
    });
    afterAll(async () => {
      await reader.close();
    });

    it('lists keys sorted and answers has/info', () => {
      expect(reader.path).toBe(path);
      expect(reader.keys()).toEqual(['block.0.bias', 'block.1.weight', 'ids.position', 'scale']);
      expect(reader.has('scale')).toBe(true);
      expect(reader.has('block')).toBe(false);
      expect(reader.info('block.1.weight')).toEqual({
        name: 'block.1.weight',
        dtype: o.floatDType,
        shape: [2, 3],
      });
      expect(reader.info('ids.position')).toEqual({ name: 'ids.position', dtype: 'I64', shape: [4] });
      expect(reader.info('missing')).toBeUndefined();
    });

    it('returns a copy of the keys', () => {
      reader.keys().pop();
      expect(reader.keys()).toHaveLength(4);
    });

    it('reads floats as float32 and ints as int64, concurrently', async () => {
      const names = Object.keys(CONTRACT_TENSORS.floats);
      const got = await Promise.all(names.map((n) => reader.readFloat32(n)));
      names.forEach((n, i) => {
        expect(got[i]!.dtype).toBe('float32');
        expect(got[i]!.shape).toEqual(CONTRACT_TENSORS.floats[n]!.shape);
        expect([...got[i]!.data]).toEqual([...CONTRACT_TENSORS.floats[n]!.data]);
      });
      const ids = await reader.read('ids.position');
      expect(ids.dtype).toBe('int64');
      expect([...ids.data]).toEqual([...CONTRACT_TENSORS.ints['ids.position']!.data]);
    });

    it('gives independent tensors on each read', async () => {
      const a = await reader.readFloat32('block.0.bias');
      a.data[0] = 99;
      expect((await reader.readFloat32('block.0.bias')).data[0]).toBe(1);
    });

    it('rejects readFloat32 of an int tensor and unknown names with codes', async () => {
      await expect(reader.readFloat32('ids.position')).rejects.toMatchObject({ code: 'weight_not_float' });
      await expect(reader.read('nope')).rejects.toMatchObject({ code: 'weight_not_found' });
      await expect(reader.readFloat32('nope')).rejects.toMatchObject({ code: 'weight_not_found' });
    });

    it('rejects reads after close, and closing twice is harmless', async () => {
      const r = await o.open(path);
      await r.close();
      await r.close();
      await expect(r.read('scale')).rejects.toMatchObject({ code: 'weight_reader_closed' });
    });
  });
}
