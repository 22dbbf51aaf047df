import { describe, expect, it } from 'vitest';
import { createTestEnv, createTestNodes } from '../testing';
import { validatePrompt } from '../validation/validate-prompt';
import { toPrompt } from './convert-workflow';
import { missingNodeTypeMessage } from './pack-ref';
import { WORKFLOW_FORMAT, WORKFLOW_VERSION } from './workflow';

describe(missingNodeTypeMessage.name, () => {
  it('names the pack a saved workflow recorded for a missing node type', async () => {
    const { registry } = createTestNodes();
    const workflow = {
      format: WORKFLOW_FORMAT,
      version: WORKFLOW_VERSION,
      nodes: {
        '1': { class_type: 'Number', inputs: { value: 2 }, pack: { id: 'core', version: '0.1.0' } },
        '2': {
          class_type: 'InvertImage',
          inputs: { n: ['1', 0] },
          pack: { id: 'invert-pack', version: '1.2.0' },
        },
        '3': { class_type: 'Show', inputs: { value: ['2', 0] } },
      },
    };
    const prompt = toPrompt(workflow, registry);
    if (!prompt.ok) throw new Error('conversion failed');
    expect(prompt.value).toMatchObject({ '2': { _meta: { pack: { id: 'invert-pack', version: '1.2.0' } } } });
    const checked = await validatePrompt(prompt.value, { registry, env: createTestEnv() });
    expect(checked.ok).toBe(false);
    const issue = !checked.ok ? checked.issues.find((i) => i.nodeId === '2') : undefined;
    expect(issue).toMatchObject({
      type: 'unknown_node_type',
      expected: { pack: { id: 'invert-pack', version: '1.2.0' } },
    });
    expect(issue?.message).toMatch(
      /'InvertImage' comes from node pack 'invert-pack' 1\.2\.0.*momaflow nodes add invert-pack/,
    );
  });

  it.each([
    [undefined, /unknown node type 'X'/],
    [{ id: 'core', version: '0.1.0' }, /unknown node type 'X'/],
  ])('keeps the plain message without a pack to name (%o)', (pack, message) => {
    expect(missingNodeTypeMessage('1', 'X', pack)).toMatch(message);
  });
});
