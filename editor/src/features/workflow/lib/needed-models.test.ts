import { describe, expect, it } from 'vitest';
import { docOf, testTemplates, workflowOf } from '../../../testing/builders';
import { neededModels } from './needed-models';

describe(neededModels.name, () => {
  it('lists each model file the loaders use, missing ones first', () => {
    const doc = docOf(
      workflowOf({
        '1': { class_type: 'Checkpoint', inputs: { ckpt_name: 'tiny.safetensors' } },
        '2': { class_type: 'Checkpoint', inputs: { ckpt_name: 'sd15.safetensors' } },
        '3': { class_type: 'Checkpoint', inputs: { ckpt_name: 'sd15.safetensors' } },
        '4': { class_type: 'Checkpoint', inputs: { ckpt_name: 'muted.safetensors' }, mode: 'muted' },
        '5': { class_type: 'LoadImage', inputs: { image: 'missing.png' } },
      }),
    );
    expect(neededModels(doc, testTemplates())).toEqual([
      { folder: 'checkpoints', file: 'sd15.safetensors', nodeIds: ['2', '3'], present: false },
      { folder: 'checkpoints', file: 'tiny.safetensors', nodeIds: ['1'], present: true },
    ]);
  });
});
