import { describe, expect, it } from 'vitest';
import { modelKeys, preferredWorker, waitingReason } from './placement';
import type { PromptRequirements } from './prompt-requirements';
import type { WorkerAdvert } from './worker-advert';

const NOW = 1_000_000;
const requires: PromptRequirements = {
  nodeTypes: ['Loader'],
  files: [{ classType: 'Loader', input: 'ckpt', value: 'a.safetensors' }],
};
const KEY = 'Loader.ckpt=a.safetensors';

function advert(id: string, changes: Partial<WorkerAdvert> = {}): WorkerAdvert {
  return {
    id,
    host: 'box',
    pid: 1,
    startedAt: 0,
    seenAt: NOW,
    heartbeatMs: 1000,
    slots: 1,
    running: [],
    warm: [],
    capabilities: {
      packs: [{ name: 'core', nodes: ['Loader'] }],
      files: [{ combo: 'Loader.ckpt', values: ['a.safetensors', 'b.safetensors'] }],
    },
    ...changes,
  };
}

describe(modelKeys.name, () => {
  it('names each machine-dependent value as adverts list them', () => {
    expect(modelKeys(requires)).toEqual([KEY]);
  });
});

describe(waitingReason.name, () => {
  it('says nobody is connected when no advert is live', () => {
    expect(waitingReason(requires, [advert('w1', { seenAt: NOW - 3000 })], NOW)).toBe(
      'no worker is connected',
    );
  });

  it('names what each live worker lacks, and nothing once one can run it', () => {
    const lacking = advert('w1', {
      capabilities: { packs: [{ name: 'core', nodes: [] }], files: [] },
    });
    expect(waitingReason(requires, [lacking], NOW)).toBe(
      "no connected worker can run it: w1 lacks node type 'Loader', Loader ckpt 'a.safetensors'",
    );
    expect(waitingReason(requires, [lacking, advert('w2')], NOW)).toBeUndefined();
  });
});

describe(preferredWorker.name, () => {
  const warm = advert('w2', { warm: [KEY] });

  it('leaves the prompt to a free live worker that has its models loaded', () => {
    expect(
      preferredWorker({ requires, self: advert('w1'), adverts: [advert('w1'), warm], now: NOW })?.id,
    ).toBe('w2');
  });

  it('runs it here when this worker has the models, or the prompt needs none', () => {
    const self = advert('w1', { warm: [KEY] });
    expect(preferredWorker({ requires, self, adverts: [self, warm], now: NOW })).toBeUndefined();
    const none = { nodeTypes: ['Loader'], files: [] };
    expect(
      preferredWorker({ requires: none, self: advert('w1'), adverts: [warm], now: NOW }),
    ).toBeUndefined();
  });

  it('ignores warm workers that are busy, gone or cannot run it', () => {
    const self = advert('w1');
    const others = [
      advert('w2', { warm: [KEY], running: ['p1'] }),
      advert('w3', { warm: [KEY], seenAt: NOW - 5000 }),
      advert('w4', { warm: [KEY], capabilities: { packs: [], files: [] } }),
    ];
    expect(preferredWorker({ requires, self, adverts: [self, ...others], now: NOW })).toBeUndefined();
  });
});
