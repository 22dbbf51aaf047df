import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../executor/executor';
import { objectInfo } from '../../node-api/object-info';
import { type ComfyGraphSpec, comfyUiWorkflow, type SubgraphSpec } from '../../testing/comfy-ui-builder';
import { createTestEnv, createTestNodes } from '../../testing/test-nodes';
import { validatePrompt } from '../../validation/validate-prompt';
import { workflowToPrompt } from '../convert-workflow';
import { zComfyUiWorkflow } from './comfy-ui-schema';
import { convertComfyUiWorkflow } from './convert-comfy-ui';
import { importNodeTypes } from './import-node-types';

const { registry } = createTestNodes();
const env = createTestEnv();
const types = importNodeTypes(await objectInfo(registry, env));

const uuid = (n: number) => `5ab9e0c2-7d1f-4c3e-9a8b-${String(n).padStart(12, '0')}`;
const INT = 'INT';

/** x + b, with `b` a widget the instance promotes. */
const PLUS: SubgraphSpec = {
  id: uuid(1),
  name: 'Plus',
  inputs: [
    { name: 'x', type: INT },
    { name: 'b', type: INT },
  ],
  outputs: [{ name: 'sum', type: INT }],
  nodes: [
    {
      id: 1,
      type: 'Add',
      pos: [400, 300],
      widgets_values: [10],
      inputs: [{ name: 'a' }, { name: 'b', widget: true }],
      outputs: [INT],
    },
  ],
  links: [
    [1, -10, 0, 1, 0, INT],
    [2, -10, 1, 1, 1, INT],
    [3, 1, 0, -20, 0, INT],
  ],
};
const plus = (id: number, b: number, mode = 0) => ({
  id,
  type: PLUS.id,
  mode,
  inputs: [
    { name: 'x', type: INT },
    { name: 'b', type: INT, widget: true },
  ],
  outputs: [INT],
  widgets_values: [b],
});
/** Plus twice, nested: x + 1 + 2. */
const TWICE: SubgraphSpec = {
  id: uuid(2),
  name: 'Twice',
  inputs: [{ name: 'x', type: INT }],
  outputs: [{ name: 'y', type: INT }],
  nodes: [plus(1, 1), plus(2, 2)],
  links: [
    [1, -10, 0, 1, 0, INT],
    [2, 1, 0, 2, 0, INT],
    [3, 2, 0, -20, 0, INT],
  ],
};
/** x + 1, through an Add (+1000) that is bypassed. */
const BYPASSY: SubgraphSpec = {
  id: uuid(3),
  name: 'Bypassy',
  inputs: [{ name: 'x', type: INT }],
  outputs: [{ name: 'y', type: INT }],
  nodes: [
    { id: 1, type: 'Add', mode: 4, widgets_values: [1000], inputs: [{ name: 'a' }], outputs: [INT] },
    { id: 2, type: 'Add', widgets_values: [1], inputs: [{ name: 'a' }], outputs: [INT] },
  ],
  links: [
    [1, -10, 0, 1, 0, INT],
    [2, 1, 0, 2, 0, INT],
    [3, 2, 0, -20, 0, INT],
  ],
};
const show = (id: number) => ({ id, type: 'Show', inputs: [{ name: 'value', type: INT }] });

const GRAPH: ComfyGraphSpec = {
  nodes: [
    { id: 1, type: 'Number', widgets_values: [2], outputs: [INT] },
    plus(2, 5), // 2 + 5
    plus(3, 100), // the same subgraph again: 7 + 100
    show(4),
    show(5),
    { id: 6, type: TWICE.id, inputs: [{ name: 'x', type: INT }], outputs: [INT] }, // nested: 2 + 1 + 2
    show(7),
    { id: 8, type: BYPASSY.id, inputs: [{ name: 'x', type: INT }], outputs: [INT] }, // 2 + 1
    show(9),
    plus(10, 50, 4), // a bypassed instance passes x through: 2
    show(11),
  ],
  links: [
    [1, 1, 0, 2, 0, INT],
    [2, 2, 0, 3, 0, INT],
    [3, 3, 0, 4, 0, INT],
    [4, 2, 0, 5, 0, INT],
    [5, 1, 0, 6, 0, INT],
    [6, 6, 0, 7, 0, INT],
    [7, 1, 0, 8, 0, INT],
    [8, 8, 0, 9, 0, INT],
    [9, 1, 0, 10, 0, INT],
    [10, 10, 0, 11, 0, INT],
  ],
  subgraphs: [PLUS, TWICE, BYPASSY],
};

function convert(spec: ComfyGraphSpec, version: 0.4 | 1 = 1) {
  return convertComfyUiWorkflow(
    zComfyUiWorkflow.parse(JSON.parse(JSON.stringify(comfyUiWorkflow(spec, version)))),
    types,
  );
}

describe('ComfyUI subgraphs', () => {
  it.each([0.4, 1] as const)('inlines every instance under <instance>:<inner> ids (schema %s)', (version) => {
    const { workflow } = convert(GRAPH, version);
    // Numeric keys come first in a JS object; the order of the graph is not at stake here.
    expect(Object.keys(workflow.nodes).sort()).toEqual(
      ['1', '2:1', '3:1', '4', '5', '6:1:1', '6:2:1', '7', '8:1', '8:2', '9', '11'].sort(),
    );
    const inputs = (id: string) => ({ ...workflow.nodes[id]?.inputs });
    expect(inputs('2:1')).toEqual({ a: ['1', 0], b: 5 }); // the promoted value, not the stored 10
    expect(inputs('3:1')).toEqual({ a: ['2:1', 0], b: 100 });
    expect(inputs('4')).toEqual({ value: ['3:1', 0] });
    expect(inputs('6:1:1')).toEqual({ a: ['1', 0], b: 1 });
    expect(inputs('6:2:1')).toEqual({ a: ['6:1:1', 0], b: 2 });
    expect(inputs('7')).toEqual({ value: ['6:2:1', 0] });
    expect(workflow.nodes['8:1']?.mode).toBe('bypassed');
    expect(inputs('8:2')).toEqual({ a: ['8:1', 0], b: 1 });
    expect(inputs('11')).toEqual({ value: ['1', 0] }); // through the bypassed instance #10
    // The inside is drawn where its instance was, framed by a group named after the subgraph.
    expect(workflow.nodes['2:1']?.pos).toEqual([200, 50]); // where the builder puts instance #2
    expect(workflow.groups.map((g) => g.title)).toEqual(['Plus', 'Plus', 'Plus', 'Plus', 'Twice', 'Bypassy']);
  });

  it('runs as ComfyUI would run the graph it queues', async () => {
    const { workflow, problems } = convert(GRAPH);
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['subgraph_inlined', '2'],
      ['subgraph_inlined', '3'],
      ['subgraph_inlined', '6'],
      ['subgraph_inlined', '6:1'],
      ['subgraph_inlined', '6:2'],
      ['subgraph_inlined', '8'],
      ['subgraph_inlined', '10'],
    ]);
    expect(problems.at(-1)?.message).toMatch(/subgraph 'Plus' #10 is bypassed: its nodes were not imported/);
    const checked = await validatePrompt(workflowToPrompt(workflow, registry), { registry, env });
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const run = await createExecutor({ env }).execute(checked.value);
    expect(run.status).toBe('success');
    expect(run.outputs).toEqual({
      '4': { text: ['107'] },
      '5': { text: ['7'] },
      '7': { text: ['5'] },
      '9': { text: ['3'] },
      '11': { text: ['2'] },
    });
  });

  it('takes an outer link over the promoted value, and drops links out of a muted instance', () => {
    const { workflow, problems } = convert({
      nodes: [
        { id: 1, type: 'Number', widgets_values: [2], outputs: [INT] },
        plus(2, 5),
        show(3),
        plus(4, 5, 2),
        show(5),
      ],
      links: [
        [1, 1, 0, 2, 0, INT],
        [2, 1, 0, 2, 1, INT],
        [3, 2, 0, 3, 0, INT],
        [4, 1, 0, 4, 0, INT],
        [5, 4, 0, 5, 0, INT],
      ],
      subgraphs: [PLUS],
    });
    expect({ ...workflow.nodes['2:1']?.inputs }).toEqual({ a: ['1', 0], b: ['1', 0] });
    expect(Object.keys(workflow.nodes).sort()).toEqual(['1', '2:1', '3', '5']);
    expect(problems.find((p) => p.nodeId === '5')?.message).toBe(
      "Show #5 input 'value': link 5 was dropped, its source, subgraph 'Plus' #4, is muted",
    );
  });

  it('keeps the old control-after-generate slot of a promoted seed out of the values', () => {
    const labels: SubgraphSpec = {
      id: uuid(4),
      name: 'Labels',
      inputs: [
        { name: 'seed', type: INT },
        { name: 'text', type: 'STRING' },
      ],
      outputs: [{ name: 'out', type: 'STRING' }],
      nodes: [
        {
          id: 1,
          type: 'Label',
          widgets_values: ['Hi', 'lower', 1.5, 7, 'fixed', true],
          inputs: [
            { name: 'text', widget: true },
            { name: 'seed', widget: true },
          ],
          outputs: ['STRING'],
        },
      ],
      links: [
        [1, -10, 0, 1, 1, INT],
        [2, -10, 1, 1, 0, 'STRING'],
        [3, 1, 0, -20, 0, 'STRING'],
      ],
    };
    const instance = (widgets_values: unknown[]) => ({
      nodes: [
        {
          id: 1,
          type: labels.id,
          inputs: [
            { name: 'seed', type: INT, widget: true },
            { name: 'text', type: 'STRING', widget: true },
          ],
          outputs: ['STRING'],
          widgets_values,
        },
      ],
      subgraphs: [labels],
    });
    for (const values of [
      [42, 'OK'],
      [42, 'randomize', 'OK'],
    ]) {
      const { workflow } = convert(instance(values));
      expect({ ...workflow.nodes['1:1']?.inputs }).toEqual({
        text: 'OK',
        mode: 'lower',
        scale: 1.5,
        seed: 42,
        flag: true,
      });
    }
  });

  it('reads the promoted values of older files from properties.proxyWidgets', () => {
    const legacy = (id: number, proxies: unknown, widget: boolean, value: number) => ({
      id,
      type: PLUS.id,
      inputs: [
        { name: 'x', type: INT },
        { name: 'b', type: INT, widget },
      ],
      outputs: [INT],
      properties: { proxyWidgets: proxies },
      widgets_values: [value],
    });
    const { workflow } = convert({
      nodes: [
        { id: 1, type: 'Number', widgets_values: [2], outputs: [INT] },
        legacy(2, JSON.stringify([['1', 'b']]), false, 33), // the inner Add's widget, as JSON text
        legacy(3, [['-1', 'b']], true, 44), // the instance's own promoted input
      ],
      links: [
        [1, 1, 0, 2, 0, INT],
        [2, 1, 0, 3, 0, INT],
      ],
      subgraphs: [PLUS],
    });
    expect([workflow.nodes['2:1']?.inputs.b, workflow.nodes['3:1']?.inputs.b]).toEqual([33, 44]);
  });

  it('refuses a missing definition and a subgraph inside itself, naming node and subgraph', async () => {
    const loop: SubgraphSpec = {
      id: uuid(5),
      name: 'Loop',
      inputs: [{ name: 'x', type: INT }],
      outputs: [{ name: 'y', type: INT }],
      nodes: [{ id: 1, type: uuid(5), inputs: [{ name: 'x', type: INT }], outputs: [INT] }],
      links: [
        [1, -10, 0, 1, 0, INT],
        [2, 1, 0, -20, 0, INT],
      ],
    };
    const { workflow, problems } = convert({
      nodes: [
        { id: 1, type: 'Number', widgets_values: [2], outputs: [INT] },
        { id: 2, type: uuid(5), inputs: [{ name: 'x', type: INT }], outputs: [INT] },
        { id: 3, type: uuid(9), inputs: [{ name: 'x', type: INT }], outputs: [INT], widgets_values: [1] },
        { id: 4, type: 'workflow>Mine', widgets_values: [3] },
      ],
      links: [[1, 1, 0, 2, 0, INT]],
      subgraphs: [loop],
    });
    expect(problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['subgraph_inlined', '2'],
      ['subgraph_refused', '2:1'],
      ['subgraph_refused', '3'],
      ['unsupported_node', '4'],
    ]);
    expect(problems[1]?.message).toBe(
      "node #2:1 is an instance of subgraph 'Loop' inside that same subgraph, a loop ComfyUI cannot run either; it is kept and will not run",
    );
    expect(problems[2]?.message).toBe(
      `node #3 is a subgraph instance, but the file holds no definition of subgraph ${uuid(9)}; it is kept and will not run`,
    );
    expect(problems[3]?.message).toMatch(
      /node #4 is an instance of legacy group node 'Mine', .*extra\.groupNodes holds no definition of it/,
    );
    expect({ ...workflow.nodes['2:1']?.inputs }).toEqual({ x: ['1', 0] });
    const checked = await validatePrompt(workflowToPrompt(workflow, registry), { registry, env });
    expect(!checked.ok && checked.issues.map((i) => [i.type, i.nodeId])).toEqual([
      ['unknown_node_type', '3'],
      ['unknown_node_type', '4'],
      ['unknown_node_type', '2:1'],
      ['no_output_node', null],
    ]);
  });

  it('refuses subgraphs nested deeper than 32 levels, naming the subgraph', () => {
    // Level i holds an instance of level i + 1; 40 distinct definitions, so no loop is involved.
    const levels: SubgraphSpec[] = Array.from({ length: 40 }, (_, i) => ({
      id: uuid(100 + i),
      name: `Level ${i}`,
      nodes: [{ id: 1, type: uuid(101 + i) }],
    }));
    const { problems } = convert({ nodes: [{ id: 1, type: uuid(100) }], subgraphs: levels });
    const refused = problems.filter((p) => p.code === 'subgraph_refused');
    expect(refused.map((p) => p.nodeId)).toEqual([Array.from({ length: 33 }, () => '1').join(':')]);
    expect(refused[0]?.message).toMatch(/subgraph 'Level 32' is nested more than 32 levels deep/);
  });
});
