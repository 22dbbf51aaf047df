import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTestNodes } from '../testing/test-nodes';
import { promptToWorkflow, toPrompt, workflowToPrompt } from './convert-workflow';
import { parseWorkflow } from './migrate-workflow';
import type { Prompt } from './prompt';
import { type Workflow, zWorkflow } from './workflow';

const { registry } = createTestNodes();

const prompt: Prompt = {
  '1': { class_type: 'Number', inputs: { value: 2 } },
  '2': { class_type: 'Add', inputs: { a: ['1', 0], b: 3 } },
  '3': { class_type: 'Show', inputs: { value: ['2', 0] } },
};

describe(workflowToPrompt.name, () => {
  it('round-trips a prompt through the saved format', () => {
    const workflow = promptToWorkflow(prompt, { name: 'chain' });
    expect(workflow.nodes['2']?.pos[0]).toBeGreaterThan(workflow.nodes['1']!.pos[0]);
    const reparsed = parseWorkflow(JSON.parse(JSON.stringify(workflow)));
    expect(reparsed.ok && workflowToPrompt(reparsed.value, registry)).toEqual(prompt);
  });

  it('drops muted nodes and passes bypassed nodes through by type', () => {
    const workflow = promptToWorkflow(prompt);
    const bypassed: Workflow = {
      ...workflow,
      nodes: { ...workflow.nodes, '2': { ...workflow.nodes['2']!, mode: 'bypassed' } },
    };
    expect(workflowToPrompt(bypassed, registry)).toEqual({
      '1': prompt['1'],
      '3': { class_type: 'Show', inputs: { value: ['1', 0] } },
    });
    const muted: Workflow = {
      ...workflow,
      nodes: { ...workflow.nodes, '2': { ...workflow.nodes['2']!, mode: 'muted' } },
    };
    expect(workflowToPrompt(muted, registry)).toEqual({
      '1': prompt['1'],
      '3': { class_type: 'Show', inputs: {} },
    });
  });

  it('parse(serialize(workflow)) equals the workflow (property)', () => {
    const node = fc.record({
      class_type: fc.constantFrom('Number', 'Add', 'Show'),
      inputs: fc.dictionary(
        fc.string({ minLength: 1 }),
        fc.oneof(fc.integer(), fc.string(), fc.tuple(fc.string({ minLength: 1 }), fc.nat())),
      ),
      pos: fc.tuple(fc.integer(), fc.integer()),
      mode: fc.constantFrom('always' as const, 'muted' as const, 'bypassed' as const),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1 }), node, { maxKeys: 8 }),
        fc.string(),
        (nodes, name) => {
          const workflow = zWorkflow.parse({ format: 'momaflow.workflow', version: 2, name, nodes });
          const parsed = parseWorkflow(JSON.parse(JSON.stringify(workflow)));
          expect(parsed.ok && parsed.value).toEqual(workflow);
        },
      ),
    );
  });
});

describe(parseWorkflow.name, () => {
  it('migrates version 1 files', () => {
    const v1 = {
      version: 1,
      nodes: [
        { id: 1, type: 'Number', pos: [0, 0], widgets: { value: 2 } },
        {
          id: 2,
          type: 'Show',
          pos: [300, 0],
          links: { value: { node: 1, slot: 0 } },
          bypass: false,
          title: 'Out',
        },
      ],
      groups: [{ title: 'All', bounding: [0, 0, 600, 200] }],
    };
    const parsed = parseWorkflow(v1);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.version).toBe(2);
    expect(parsed.value.groups[0]?.title).toBe('All');
    expect(workflowToPrompt(parsed.value, registry)).toEqual({
      '1': { class_type: 'Number', inputs: { value: 2 } },
      '2': { class_type: 'Show', inputs: { value: ['1', 0] }, _meta: { title: 'Out' } },
    });
  });

  it.each([
    [{ version: 7, nodes: [] }],
    [{ format: 'momaflow.workflow', version: 2, nodes: { '1': { class_type: 5 } } }],
    [{ version: 1, nodes: [{}] }],
  ])('rejects %j with issues', (data) => {
    const parsed = parseWorkflow(data);
    expect(!parsed.ok && parsed.issues[0]?.type).toBe('invalid_prompt');
  });
});

describe(toPrompt.name, () => {
  it('accepts both the saved format and the bare graph', () => {
    expect(toPrompt(prompt, registry)).toEqual({ ok: true, value: prompt });
    expect(toPrompt(promptToWorkflow(prompt), registry)).toEqual({ ok: true, value: prompt });
  });
});
