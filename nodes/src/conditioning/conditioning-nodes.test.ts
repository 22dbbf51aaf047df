import { type NodeContext, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import type { Conditioning } from '../diffusion';
import {
  averageConditioning,
  ConditioningAverage,
  ConditioningCombine,
  ConditioningSetArea,
  ConditioningSetMask,
  ConditioningZeroOut,
} from './conditioning-nodes';

const ctx = { log: SILENT_LOGGER } as unknown as NodeContext;
const cond = (values: number[], tokens: number): Conditioning => [
  { context: new Tensor('float32', [1, tokens, values.length / tokens], Float32Array.from(values)) },
];
const run = async <T>(p: T | Promise<T>) => (await p) as unknown as [Conditioning];

describe('conditioning nodes', () => {
  it('Combine concatenates the entry lists', async () => {
    const [out] = await run(
      ConditioningCombine.run(ctx, { conditioning_1: cond([1, 2], 2), conditioning_2: cond([3, 4], 2) }),
    );
    expect(out.map((e) => Array.from(e.context.data))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('Average blends token by token, cutting or zero-padding the source to the target length', async () => {
    // to: 3 tokens of width 1; from: 2 tokens -> third token blends with 0.
    const [out] = await run(
      ConditioningAverage.run(ctx, {
        conditioning_to: cond([10, 20, 30], 3),
        conditioning_from: cond([2, 4], 2),
        conditioning_to_strength: 0.25,
      }),
    );
    expect(Array.from(out[0]!.context.data)).toEqual([10 * 0.25 + 2 * 0.75, 20 * 0.25 + 4 * 0.75, 30 * 0.25]);
    const longer = averageConditioning(cond([1], 1), cond([5, 6], 2), 0.5);
    expect(Array.from(longer[0]!.context.data)).toEqual([3]);
  });

  it('ZeroOut zeroes the embeddings and keeps area settings', async () => {
    const placed: Conditioning = [{ ...cond([1, 2], 1)[0]!, strength: 3 }];
    const [out] = await run(ConditioningZeroOut.run(ctx, { conditioning: placed }));
    expect(Array.from(out[0]!.context.data)).toEqual([0, 0]);
    expect(out[0]!.strength).toBe(3);
  });

  it('SetArea stores pixel // 8 and the strength; SetMask stores the mask, its strength and bounds mode', async () => {
    const [area] = await run(
      ConditioningSetArea.run(ctx, {
        conditioning: cond([1], 1),
        width: 100,
        height: 64,
        x: 20,
        y: 8,
        strength: 1.5,
      }),
    );
    expect(area[0]).toMatchObject({
      area: { height: 8, width: 12, y: 1, x: 2 },
      strength: 1.5,
      setAreaToBounds: false,
    });
    const mask = Tensor.filled([4, 4], 1);
    const [masked] = await run(
      ConditioningSetMask.run(ctx, { conditioning: area, mask, strength: 0.7, set_cond_area: 'mask bounds' }),
    );
    expect(masked[0]).toMatchObject({ maskStrength: 0.7, setAreaToBounds: true, strength: 1.5 });
    expect(masked[0]!.mask!.shape).toEqual([1, 4, 4]);
  });
});
