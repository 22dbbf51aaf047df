import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, openSafetensors, Tensor } from '@momaflow/engine';
import { engineErrorOf } from '@momaflow/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeightMap } from './weight-map';
import { inScope, WeightScope } from './weight-scope';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weight-map-'));
  file = join(dir, 'model.safetensors');
  const bytes = encodeSafetensors(
    {
      'first.conv.weight': new Tensor('float32', [2, 1, 1, 1], Float32Array.of(0.5, -2)),
      'first.conv.bias': new Tensor('float32', [2], Float32Array.of(1, 2)),
      'first.position_ids': new Tensor('int64', [2], BigInt64Array.of(0n, 1n)),
      'other.weight': new Tensor('float32', [1], Float32Array.of(3)),
    },
    { dtype: 'F16' },
  );
  await writeFile(file, bytes);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(select: Parameters<typeof WeightMap.load>[1]): Promise<WeightMap> {
  const reader = await openSafetensors(file);
  try {
    return await WeightMap.load(reader, select);
  } finally {
    await reader.close();
  }
}

describe(WeightMap.name, () => {
  it('reads selected float tensors as float32 under their mapped keys, skipping integer buffers', async () => {
    const weights = await load((k) =>
      k.startsWith('first.') ? { key: `renamed.${k.slice(6)}` } : undefined,
    );
    expect(weights.keys()).toEqual(['renamed.conv.bias', 'renamed.conv.weight']);
    expect(weights.storedKey('renamed.conv.weight')).toBe('first.conv.weight');
    expect(Array.from(weights.take('renamed.conv.weight', [2, 1, 1, 1]).data)).toEqual([0.5, -2]);
  });

  it('applies a mapping reshape', async () => {
    const weights = await load((k) =>
      k === 'first.conv.weight' ? { key: 'w', reshape: (s) => s.slice(0, 2) } : undefined,
    );
    expect(weights.take('w', [2, 1]).shape).toEqual([2, 1]);
  });

  it('refuses two stored keys mapped to one key', async () => {
    await expect(load((k) => (k.endsWith('weight') ? { key: 'same' } : undefined))).rejects.toMatchObject({
      code: 'weight_key_clash',
    });
  });

  it.each([
    {
      name: 'missing key',
      key: 'renamed.absent.weight',
      shape: [4],
      code: 'weight_missing',
      details: { key: 'renamed.absent.weight', expected: [4] },
      mentions: ['renamed.absent.weight', '[4]'],
    },
    {
      name: 'wrong shape',
      key: 'renamed.conv.weight',
      shape: [2, 1, 3, 3],
      code: 'weight_shape_mismatch',
      details: {
        key: 'renamed.conv.weight',
        storedKey: 'first.conv.weight',
        expected: [2, 1, 3, 3],
        received: [2, 1, 1, 1],
      },
      mentions: ['renamed.conv.weight', 'first.conv.weight', '[2, 1, 3, 3]', '[2, 1, 1, 1]'],
    },
  ])(
    'reports a $name with the key, the expected and the received shape',
    async ({ key, shape, code, details, mentions }) => {
      const weights = await load((k) =>
        k.startsWith('first.') ? { key: `renamed.${k.slice(6)}` } : undefined,
      );
      const err = engineErrorOf(() => weights.take(key, shape));
      expect(err.code).toBe(code);
      expect(err.details).toMatchObject({ ...details, file });
      for (const m of mentions) expect(err.message).toContain(m);
    },
  );

  it('makes synthetic weights with the requested shapes, once per key', () => {
    let made = 0;
    const weights = WeightMap.synthetic('random', (_key, shape) => {
      made++;
      return Tensor.zeros('float32', shape);
    });
    expect(weights.take('a.weight', [3, 2]).shape).toEqual([3, 2]);
    expect(weights.take('a.weight', [3, 2]).shape).toEqual([3, 2]);
    expect(made).toBe(1);
    expect(engineErrorOf(() => weights.take('a.weight', [2, 3])).code).toBe('weight_shape_mismatch');
  });
});

describe(WeightScope.name, () => {
  it('prefixes keys like the builder scopes names', () => {
    const weights = WeightMap.fromTensors('mem', { 'a.b.0.weight': Tensor.filled([1], 1) });
    const w = new WeightScope(weights).at('a').at('b', 0);
    expect(w.key('weight')).toBe('a.b.0.weight');
    expect(w.has('weight')).toBe(true);
    expect(w.take('weight', [1]).data[0]).toBe(1);
  });

  it('scopes builder and weights together in inScope', async () => {
    const { OnnxBuilder } = await import('@momaflow/engine');
    const b = OnnxBuilder.create();
    const weights = WeightMap.fromTensors('mem', { 'x.1.bias': Tensor.filled([1], 2) });
    const name = inScope(
      b,
      new WeightScope(weights),
      ['x', 1],
      (w) => b.initializer('bias', w.take('bias', [1])).name,
    );
    expect(name).toBe('x.1.bias');
  });
});
