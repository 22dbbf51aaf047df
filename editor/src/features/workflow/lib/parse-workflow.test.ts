import { readFileSync } from 'node:fs';
import { zWorkflow } from '@momaflow/engine/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { docOf, imageWorkflow, testTemplates } from '../../../testing/builders';
import { docFromWorkflow } from './doc-from-workflow';
import { docToWorkflow } from './doc-to-workflow';
import { parseWorkflow } from './parse-workflow';

const EXAMPLE = JSON.parse(
  readFileSync(new URL('../../../../../workflows/image-basics.json', import.meta.url), 'utf8'),
) as unknown;
const V1 = {
  version: 1,
  nodes: [
    { id: 1, type: 'LoadImage', pos: [0, 0], widgets: { image: 'example.png' } },
    {
      id: 2,
      type: 'SaveImage',
      pos: [300, 0],
      links: { images: { node: 1, slot: 0 } },
      bypass: true,
      title: 'Out',
    },
  ],
  groups: [{ title: 'All', bounding: [0, 0, 600, 200] }],
};

describe(parseWorkflow.name, () => {
  it.each([
    ['the image-basics example', EXAMPLE],
    ['a minimal v2 file', { format: 'momaflow.workflow', version: 2, nodes: { a: { class_type: 'X' } } }],
  ])('reads %s as version 2, with defaults filled in and nothing migrated', (_name, data) => {
    expect(parseWorkflow(data)).toStrictEqual({ ok: true, workflow: zWorkflow.parse(data) });
  });

  it('migrates version 1: links into inputs, bypass into mode, groups get ids', () => {
    const parsed = parseWorkflow(V1);
    expect(parsed.ok && parsed.migratedFrom).toBe(1);
    if (!parsed.ok) return;
    expect(parsed.workflow.nodes['2']).toMatchObject({
      inputs: { images: ['1', 0] },
      mode: 'bypassed',
      title: 'Out',
    });
    expect(parsed.workflow.groups).toEqual([{ id: 'group-1', title: 'All', bounding: [0, 0, 600, 200] }]);
  });

  it.each([
    [{ version: 7, nodes: [] }, 'unsupported_version'],
    [null, 'unsupported_version'],
    [{ format: 'momaflow.workflow', version: 2, nodes: { '1': { class_type: 5 } } }, 'invalid_workflow'],
    [{ version: 1, nodes: [{}] }, 'invalid_workflow'],
  ])('refuses %j with %s', (data, code) => {
    const parsed = parseWorkflow(data);
    expect(!parsed.ok && parsed.code).toBe(code);
    expect(!parsed.ok && parsed.messages.length).toBeGreaterThan(0);
  });

  it('keeps a toast short: at most ten problems', () => {
    const nodes = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [String(i), { class_type: i }]));
    const parsed = parseWorkflow({ format: 'momaflow.workflow', version: 2, nodes });
    expect(!parsed.ok && parsed.messages.length).toBe(10);
  });
});

describe('docFromWorkflow / docToWorkflow', () => {
  const templates = testTemplates();

  it('round-trips the image-basics example unchanged', () => {
    const parsed = parseWorkflow(EXAMPLE);
    if (!parsed.ok) throw new Error('example does not parse');
    expect(docToWorkflow(docFromWorkflow(parsed.workflow, templates))).toEqual(parsed.workflow);
  });

  it('turns links into typed edges and literals into values', () => {
    const doc = docOf();
    expect(doc.edges.map((e) => [e.source, e.sourceHandle, e.target, e.targetHandle, e.data?.type])).toEqual([
      ['1', 'out:0', '2', 'in:image', 'IMAGE'],
      ['2', 'out:0', '3', 'in:images', 'IMAGE'],
      ['1', 'out:1', '4', 'in:mask', 'MASK'],
    ]);
    const scale = doc.nodes.find((n) => n.id === '2');
    expect(scale?.type === 'workflow' && scale.data).toMatchObject({
      values: { upscale_method: 'bicubic', width: 256 },
      links: { image: ['1', 0] },
    });
  });

  it('keeps seed controls in extra and nothing else of its own', () => {
    const workflow = {
      ...imageWorkflow(),
      extra: { seed_control: { '2': { width: 'increment' } }, view: { zoom: 2 } },
    };
    const doc = docFromWorkflow(workflow, templates);
    expect(doc.extra).toEqual({ view: { zoom: 2 } });
    expect(docToWorkflow(doc)).toEqual(workflow);
  });

  it('drops links to nodes that are not in the file', () => {
    const workflow = imageWorkflow();
    const broken = {
      ...workflow,
      nodes: { ...workflow.nodes, '3': { ...workflow.nodes['3']!, inputs: { images: ['99', 0] } } },
    };
    expect(docToWorkflow(docFromWorkflow(broken, templates)).nodes['3']?.inputs).toEqual({});
  });

  it('parse(serialize(doc)) equals the workflow (property)', () => {
    const node = fc.record({
      class_type: fc.constantFrom('LoadImage', 'ImageScale', 'InvertMask', 'SaveImage', 'Unknown'),
      inputs: fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(fc.integer(), fc.string(), fc.boolean())),
      pos: fc.tuple(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: -5000, max: 5000 })),
      mode: fc.constantFrom('always' as const, 'muted' as const, 'bypassed' as const),
      title: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[0-9]{1,3}$/), node, { maxKeys: 8 }), (nodes) => {
        const ids = Object.keys(nodes);
        // Link each node to the previous one, so links are part of the property.
        const linked = Object.fromEntries(
          ids.map((id, i) => {
            const { title, ...rest } = nodes[id]!;
            const inputs = i > 0 ? { ...rest.inputs, link_in: [ids[i - 1]!, 0] } : rest.inputs;
            return [id, { ...rest, inputs, ...(title !== undefined ? { title } : {}) }];
          }),
        );
        const workflow = zWorkflow.parse({ format: 'momaflow.workflow', version: 2, nodes: linked });
        const back = parseWorkflow(
          JSON.parse(JSON.stringify(docToWorkflow(docFromWorkflow(workflow, templates)))),
        );
        expect(back.ok && back.workflow).toEqual(workflow);
      }),
    );
  });
});
