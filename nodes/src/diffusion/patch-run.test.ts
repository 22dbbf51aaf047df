import { createNodeEnv, SessionCache, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnet, UnetGraphCache, UnetSession, withPatch } from '../models/unet';
import { fixturePath } from '../models/unet/test-fixtures';
import { gainPatch } from '../models/unet/test-patches';
import { guidedEntries } from './guided-rows';
import { startPatchRun } from './patch-run';

const sessions = SessionCache.create({ maxEntries: 2, defaults: { intraOpNumThreads: 1 } });
const graphs = UnetGraphCache.create({ maxEntries: 2 });
afterAll(() => sessions.dispose());

describe(startPatchRun.name, () => {
  it('refuses area conditioning on a model with attention patches, naming the sampler', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const model = withPatch(
      base,
      gainPatch(() => true, [1]),
    );
    const unet = await UnetSession.open({ model, graphs, sessions });
    const env = createNodeEnv({ dirs: { input: '', output: '', temp: '', models: '' }, log: SILENT_LOGGER });
    try {
      const context = Tensor.zeros('float32', [1, 77, base.config.crossAttentionDim]);
      const positive = [{ context, area: { height: 4, width: 4, y: 0, x: 0 } }];
      const entries = guidedEntries({ positive, negative: [{ context }], cfg: 7 });
      const started = startPatchRun({
        env,
        unet,
        entries,
        latentShape: [1, 4, 8, 8],
        contextTokens: 77,
        log: SILENT_LOGGER,
        label: 'KSampler',
      });
      await expect(started).rejects.toMatchObject({ code: 'unsupported_conditioning' });
      await expect(started).rejects.toThrow(/^KSampler: area or mask conditioning/);
    } finally {
      unet.release();
      await env.dispose();
    }
  });
});
