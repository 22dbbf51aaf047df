import { describe, expect, it } from 'vitest';
import { dictFrom } from '../../dictionary/dictionary';
import { createExecutor } from '../../executor/executor';
import { objectInfo } from '../../node-api/object-info';
import { type ComfyGraphSpec, comfyUiWorkflow } from '../../testing/comfy-ui-builder';
import { createTestEnv, createTestNodes } from '../../testing/test-nodes';
import { validatePrompt } from '../../validation/validate-prompt';
import { workflowToPrompt } from '../convert-workflow';
import { parseWorkflow } from '../migrate-workflow';
import { zComfyUiWorkflow } from './comfy-ui-schema';
import { COMFYUI_EXTRA_KEY, convertComfyUiWorkflow } from './convert-comfy-ui';
import { importNodeTypes } from './import-node-types';

const { registry } = createTestNodes();
const env = createTestEnv();
const types = importNodeTypes(await objectInfo(registry, env));

/** Every feature of the format once: helpers, modes, widget extras, groups, notes, reroutes, unknown types. */
const GRAPH: ComfyGraphSpec = {
  nodes: [
    {
      id: 1,
      type: 'Number',
      title: 'Two',
      pos: [10, 20],
      size: [210, 80],
      widgets_values: [2],
      outputs: ['INT'],
    },
    {
      id: 2,
      type: 'Add',
      bgcolor: '#335',
      collapsed: true,
      widgets_values: [3],
      inputs: [{ name: 'a', type: 'INT' }],
      outputs: ['INT'],
    },
    { id: 3, type: 'Show', inputs: [{ name: 'value', type: 'INT' }] },
    { id: 4, type: 'Label', widgets_values: ['Hi', 'lower', 1.5, 7, 'increment', true], outputs: ['STRING'] },
    { id: 5, type: 'ShowText', inputs: [{ name: 'text', type: 'STRING' }] },
    { id: 6, type: 'Add', mode: 4, widgets_values: [1], inputs: [{ name: 'a' }], outputs: ['INT'] },
    { id: 7, type: 'Show', inputs: [{ name: 'value' }] },
    { id: 8, type: 'Number', mode: 2, widgets_values: [9], outputs: ['INT'] },
    { id: 9, type: 'PrimitiveNode', widgets_values: [42, 'fixed'], outputs: ['INT'] },
    { id: 10, type: 'Reroute', inputs: [{ name: '' }], outputs: ['INT'] },
    {
      id: 11,
      type: 'Add',
      widgets_values: [0],
      inputs: [{ name: 'a' }, { name: 'b', widget: true }],
      outputs: ['INT'],
    },
    { id: 12, type: 'Show', inputs: [{ name: 'value' }] },
    { id: 13, type: 'Note', pos: [500, 600], size: [200, 100], widgets_values: ['remember the milk'] },
    {
      id: 14,
      type: 'FaceDetailer',
      widgets_values: [1, 'two'],
      inputs: [{ name: 'image' }],
      properties: { cnr_id: 'comfyui-impact-pack', ver: '8.8.1' },
    },
    { id: 15, type: 'Number', widgets_values: [5, 'stray'], outputs: ['INT'] },
  ],
  links: [
    [1, 1, 0, 10, 0, 'INT'],
    [2, 10, 0, 2, 0, 'INT'],
    [3, 2, 0, 3, 0, 'INT'],
    [4, 4, 0, 5, 0, 'STRING'],
    [5, 1, 0, 6, 0, 'INT'],
    [6, 6, 0, 7, 0, 'INT'],
    [7, 1, 0, 11, 0, 'INT'],
    [8, 9, 0, 11, 1, 'INT'],
    [9, 11, 0, 12, 0, 'INT'],
    [10, 15, 0, 14, 0, 'INT'],
  ],
  groups: [{ id: 3, title: 'Sums', bounding: [0, 0, 800, 400], color: '#3f789e' }],
  reroutes: [{ id: 1, pos: [150, 40], linkIds: [3] }],
};

function convert(version: 0.4 | 1) {
  return convertComfyUiWorkflow(
    zComfyUiWorkflow.parse(JSON.parse(JSON.stringify(comfyUiWorkflow(GRAPH, version)))),
    types,
  );
}

describe(convertComfyUiWorkflow.name, () => {
  it.each([0.4, 1] as const)('keeps nodes, layout, modes and widget values of schema %s', (version) => {
    const { workflow } = convert(version);
    expect(Object.keys(workflow.nodes)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '11',
      '12',
      '14',
      '15',
    ]);
    expect(workflow.nodes['1']).toEqual({
      class_type: 'Number',
      inputs: { value: 2 },
      pos: [10, 20],
      size: [210, 80],
      mode: 'always',
      title: 'Two',
    });
    expect(workflow.nodes['2']).toMatchObject({ mode: 'always', color: '#335', collapsed: true });
    expect([workflow.nodes['6']?.mode, workflow.nodes['8']?.mode]).toEqual(['bypassed', 'muted']);
    expect({ ...workflow.nodes['4']?.inputs }).toEqual({
      text: 'Hi',
      mode: 'lower',
      scale: 1.5,
      seed: 7,
      flag: true,
    });
    expect(workflow.extra.seed_control).toEqual({ '4': { seed: 'increment' }, '11': { b: 'fixed' } });
  });

  it.each([0.4, 1] as const)('resolves links, Reroute nodes and PrimitiveNodes (schema %s)', (version) => {
    const { workflow } = convert(version);
    const inputs = (id: string) => ({ ...workflow.nodes[id]?.inputs });
    expect(inputs('2')).toEqual({ b: 3, a: ['1', 0] }); // through Reroute #10
    expect(inputs('3')).toEqual({ value: ['2', 0] });
    expect(inputs('11')).toEqual({ b: 42, a: ['1', 0] }); // PrimitiveNode #9 written in; widget link wins
    expect(inputs('14')).toEqual({ image: ['15', 0] });
  });

  it.each([0.4, 1] as const)(
    'reports what changed, per node, and keeps what it could not map (schema %s)',
    (version) => {
      const { workflow, problems } = convert(version);
      expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
        ['primitive_inlined', '9'],
        ['reroute_folded', '10'],
        ['unknown_node_type', '14'],
        ['widget_values_left_over', '15'],
        ['reroutes_kept', null],
      ]);
      expect(problems.find((p) => p.nodeId === '14')?.message).toContain("node pack 'comfyui-impact-pack'");
      const comfy = workflow.extra[COMFYUI_EXTRA_KEY] as Record<string, unknown>;
      expect(comfy.unmapped).toEqual({
        '14': { widgets_values: [1, 'two'] },
        '15': { widgets_values: [5, 'stray'] },
      });
      expect(comfy.reroutes).toEqual([{ id: 1, pos: [150, 40], linkIds: [3] }]);
      expect(comfy.ds).toEqual({ scale: 1, offset: [0, 0] });
      expect(workflow.notes).toEqual([
        { id: 'note-13', text: 'remember the milk', pos: [500, 600], size: [200, 100] },
      ]);
      expect(workflow.groups).toEqual([
        { id: 'group-3', title: 'Sums', bounding: [0, 0, 800, 400], color: '#3f789e' },
      ]);
    },
  );

  it('gives the same workflow for both schemas', () => {
    const strip = (w: ReturnType<typeof convert>['workflow']) =>
      JSON.parse(
        JSON.stringify({
          ...w,
          extra: { ...w.extra, [COMFYUI_EXTRA_KEY]: { ...(w.extra.comfyui as object), version: 0 } },
        }),
      );
    expect(strip(convert(1).workflow)).toEqual(strip(convert(0.4).workflow));
  });

  it('saves as a valid workflow that runs as the ComfyUI graph would', async () => {
    const { workflow } = convert(1);
    const reparsed = parseWorkflow(JSON.parse(JSON.stringify(workflow)));
    expect(reparsed.ok && JSON.parse(JSON.stringify(reparsed.value))).toEqual(
      JSON.parse(JSON.stringify(workflow)),
    );
    // The unknown node refuses the prompt, naming it; without it, the rest runs.
    const prompt = workflowToPrompt(workflow, registry);
    const refused = await validatePrompt(prompt, { registry, env });
    expect(!refused.ok && refused.issues.map((i) => [i.type, i.nodeId])).toEqual([
      ['unknown_node_type', '14'],
    ]);
    const runnable = dictFrom(Object.entries(prompt).filter(([id]) => id !== '14'));
    const checked = await validatePrompt(runnable, { registry, env });
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const run = await createExecutor({ env }).execute(checked.value);
    expect(run.status).toBe('success');
    expect(run.outputs).toEqual({
      '3': { text: ['5'] },
      '5': { text: ['hi'] },
      '7': { text: ['2'] }, // the bypassed Add passes its input through
      '12': { text: ['44'] },
    });
  });

  it('reports bad entries and dangling links instead of failing the whole file', () => {
    const doc = comfyUiWorkflow(
      {
        nodes: [
          { id: 1, type: 'Show', inputs: [{ name: 'value' }] },
          { id: 2, type: 'Reroute', inputs: [{ name: '' }], outputs: ['*'] },
        ],
        links: [
          [1, 2, 0, 1, 0, '*'],
          [2, 99, 0, 1, 5, 'INT'],
        ],
      },
      0.4,
    );
    (doc.nodes as unknown[]).push({ id: 3 }, 'junk');
    (doc.links as unknown[]).push(['x']);
    const { problems } = convertComfyUiWorkflow(zComfyUiWorkflow.parse(doc), types);
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['invalid_entry', null],
      ['invalid_entry', null],
      ['invalid_entry', null],
      ['reroute_folded', '2'],
      ['link_dropped', '1'],
      ['link_dropped', '1'],
    ]);
  });
});
