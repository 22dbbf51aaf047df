import { SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import type { BatchRow, PatchStepInfo } from '../models/unet';
import { injectionMaskFeed, rowMasks } from './injection-mask';

const rows: BatchRow[] = [
  { role: 'uncond', entry: 0, latent: 0, tokenIds: undefined },
  { role: 'uncond', entry: 0, latent: 1, tokenIds: undefined },
  { role: 'cond', entry: 0, latent: 0, tokenIds: undefined },
  { role: 'cond', entry: 0, latent: 1, tokenIds: undefined },
];

function step(): PatchStepInfo {
  return {
    run: {
      pass: 'sample',
      rows,
      height: 2,
      width: 2,
      contextTokens: 4,
      reference: undefined,
      log: SILENT_LOGGER,
    },
    index: 1,
    timestep: 500,
    sigma: undefined,
    previousOutputs: undefined,
  };
}

describe(rowMasks.name, () => {
  it("gives each row its latent's mask, or the only one", () => {
    const perLatent = new Tensor('float32', [2, 1, 1, 1], Float32Array.of(3, 7));
    expect(Array.from(rowMasks(perLatent, rows).data)).toEqual([3, 7, 3, 7]);
    expect(Array.from(rowMasks(Tensor.filled([1, 1, 1, 1], 5), rows).data)).toEqual([5, 5, 5, 5]);
  });
});

describe(injectionMaskFeed.name, () => {
  it('feeds ones without a mask or before a generated one exists, and a static MASK per row', () => {
    expect(injectionMaskFeed({ kind: 'none' }, step()).shape).toEqual([4, 1, 1, 1]);
    const generated = { kind: 'generated', source: { patchId: 'm', maskAfter: () => undefined } } as const;
    expect(Array.from(injectionMaskFeed(generated, step()).data)).toEqual([1, 1, 1, 1]);
    const fed = injectionMaskFeed({ kind: 'static', mask: Tensor.filled([1, 3, 2], 0.5) }, step());
    expect(fed.shape).toEqual([4, 1, 3, 2]);
  });
});
