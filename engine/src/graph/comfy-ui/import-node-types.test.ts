import { describe, expect, it } from 'vitest';
import { objectInfo } from '../../node-api/object-info';
import { createTestEnv, createTestNodes } from '../../testing/test-nodes';
import { importNodeTypes } from './import-node-types';

describe(importNodeTypes.name, () => {
  it('reads widgets in ComfyUI order from the registry’s object_info, seeds with their control value', async () => {
    const types = importNodeTypes(await objectInfo(createTestNodes().registry, createTestEnv()));
    expect(types('Label')?.widgets).toEqual([
      { name: 'text', kind: 'STRING' },
      { name: 'mode', kind: 'COMBO' },
      { name: 'scale', kind: 'FLOAT' },
      { name: 'seed', kind: 'INT', extra: 'control' },
      { name: 'flag', kind: 'BOOLEAN' },
    ]);
    expect(types('Add')?.widgets).toEqual([{ name: 'b', kind: 'INT' }]);
    expect(types('Show')?.widgets).toEqual([]);
    expect(types('Nope')).toBeUndefined();
    expect(types('constructor')).toBeUndefined();
  });

  it('follows input_order, skips forced inputs and sockets, and marks upload combos', () => {
    const types = importNodeTypes({
      LoadThing: {
        input: {
          required: {
            b: ['INT', { forceInput: true }],
            a: [['x.png', 'y.png'], { image_upload: true }],
            model: ['MODEL', {}],
            c: ['COMBO', { options: ['p', 'q'] }],
          },
          optional: { d: ['FLOAT', {}] },
        },
        input_order: { required: ['model', 'c', 'a', 'b'], optional: ['d'] },
      },
    });
    expect(types('LoadThing')?.widgets).toEqual([
      { name: 'c', kind: 'COMBO' },
      { name: 'a', kind: 'COMBO', extra: 'upload' },
      { name: 'd', kind: 'FLOAT' },
    ]);
  });
});
