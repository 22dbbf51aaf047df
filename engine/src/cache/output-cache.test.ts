import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor';
import { estimateBytes } from './estimate-bytes';
import { nodeSignature } from './node-signature';
import { LruOutputCache } from './output-cache';

const entry = (bytes: number) => ({ outputs: [bytes], ui: undefined, bytes });

describe(LruOutputCache.name, () => {
  it('evicts the least recently used entry when over the entry limit', () => {
    const cache = new LruOutputCache({ maxEntries: 2, maxBytes: 1000 });
    cache.set('a', entry(1));
    cache.set('b', entry(1));
    cache.get('a');
    cache.set('c', entry(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.stats()).toMatchObject({ entries: 2, evictions: 1 });
  });

  it('keeps the estimated bytes under the limit and refuses entries bigger than it', () => {
    const cache = new LruOutputCache({ maxEntries: 100, maxBytes: 100 });
    cache.set('a', entry(60));
    cache.set('b', entry(60));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 60 });
    cache.set('huge', entry(101));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
  });
});

describe(estimateBytes.name, () => {
  it('counts tensors by their data', () => {
    expect(estimateBytes([Tensor.zeros('float32', [1, 64, 64, 3])])).toBeGreaterThan(64 * 64 * 3 * 4);
    expect(estimateBytes({ a: 'xx', b: [1, 2] })).toBeLessThan(1000);
  });
});

describe(nodeSignature.name, () => {
  it('ignores key order and depends on every part', () => {
    const base = {
      classType: 'A',
      values: { x: 1, y: 'a' },
      links: [['in', 's1', 0]] as const,
      fingerprint: undefined,
    };
    expect(nodeSignature(base)).toBe(nodeSignature({ ...base, values: { y: 'a', x: 1 } }));
    expect(nodeSignature(base)).not.toBe(nodeSignature({ ...base, values: { x: 2, y: 'a' } }));
    expect(nodeSignature(base)).not.toBe(nodeSignature({ ...base, links: [['in', 's1', 1]] }));
    expect(nodeSignature(base)).not.toBe(nodeSignature({ ...base, fingerprint: 'f' }));
    expect(nodeSignature(base)).not.toBe(nodeSignature({ ...base, classType: 'B' }));
  });
});
