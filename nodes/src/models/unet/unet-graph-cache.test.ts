import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUnet } from './load-unet';
import { fixturePath } from './test-fixtures';
import { UnetGraphCache } from './unet-graph-cache';
import { createUnetModel, type UnetModel } from './unet-model';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-unet-graphs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture model with a weight source that counts its loads. */
async function countingModel(): Promise<{ model: UnetModel; loads: () => number }> {
  const base = await loadUnet(fixturePath('tiny-sd'));
  let loads = 0;
  const weights = {
    ...base.weights,
    load: () => {
      loads++;
      return base.weights.load();
    },
  };
  return { model: createUnetModel({ config: base.config, weights }), loads: () => loads };
}

describe(UnetGraphCache.name, () => {
  it('writes a graph once and reuses it from disk in a new cache without reading weights', async () => {
    const { model, loads } = await countingModel();
    let reclaimed = 0;
    const first = UnetGraphCache.create({ cacheDir: dir, reclaim: () => void reclaimed++ });
    const a = await first.compile(model, { controlResiduals: true });
    expect(loads()).toBe(1);
    expect(reclaimed).toBe(1);
    expect('path' in a.source && a.source.path.startsWith(dir)).toBe(true);

    const second = UnetGraphCache.create({ cacheDir: dir, reclaim: () => void reclaimed++ });
    const b = await second.compile(model, { controlResiduals: true });
    expect(loads()).toBe(1);
    expect(reclaimed).toBe(1);
    expect(b.source).toEqual(a.source);
    expect(b.io).toEqual(a.io);
    expect(b.io.downResiduals).toHaveLength(model.layout.skips.length);
  });

  it('shares one build between concurrent compiles and keeps graphs in memory without a directory', async () => {
    const { model, loads } = await countingModel();
    const cache = UnetGraphCache.create();
    const [a, b] = await Promise.all([cache.compile(model), cache.compile(model)]);
    expect(a).toBe(b);
    expect(loads()).toBe(1);
    expect('bytes' in a.source).toBe(true);
  });

  it('forgets the least recently used graph beyond maxEntries', async () => {
    const { model, loads } = await countingModel();
    const cache = UnetGraphCache.create({ maxEntries: 1 });
    await cache.compile(model);
    await cache.compile(model, { attention: 'plain' });
    await cache.compile(model);
    expect(loads()).toBe(3);
  });
});
