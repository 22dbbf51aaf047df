import { describe, expect, it } from 'vitest';
import { objectInfo } from '../../node-api/object-info';
import { comfyUiWorkflow } from '../../testing/comfy-ui-builder';
import { chainPrompt, createTestEnv, createTestNodes } from '../../testing/test-nodes';
import { promptToWorkflow } from '../convert-workflow';
import { importNodeTypes } from './import-node-types';
import { importPngText, importWorkflow } from './import-workflow';

const types = importNodeTypes(await objectInfo(createTestNodes().registry, createTestEnv()));
const GRAPH = {
  nodes: [
    { id: 1, type: 'Number', widgets_values: [4], outputs: ['INT'] },
    { id: 2, type: 'Show', inputs: [{ name: 'value' }] },
  ],
  links: [[1, 1, 0, 2, 0, 'INT']] as const,
};
const saved = promptToWorkflow(chainPrompt(3));
const v1 = { version: 1, nodes: [{ id: 1, type: 'Number', pos: [0, 0], widgets: { value: 2 } }] };

describe(importWorkflow.name, () => {
  it.each([
    ['a saved workflow', saved, 'momaflow', 2],
    ['a version-1 saved workflow', v1, 'momaflow', 1],
    ['a ComfyUI workflow, schema 0.4', comfyUiWorkflow(GRAPH, 0.4), 'comfyui-ui', 0.4],
    ['a ComfyUI workflow, schema 1', comfyUiWorkflow(GRAPH, 1), 'comfyui-ui', 1],
    ['a ComfyUI API prompt', chainPrompt(3), 'comfyui-api', undefined],
  ])('recognises %s', (_, data, source, version) => {
    const imported = importWorkflow(JSON.parse(JSON.stringify(data)), types);
    expect(imported.ok && [imported.value.source, imported.value.version]).toEqual([source, version]);
  });

  it('reports unknown types and skipped entries of an API prompt, and refuses one with no node at all', () => {
    const imported = importWorkflow(
      { ...chainPrompt(2), '7': { class_type: 'Mystery', inputs: {} }, x: 5 },
      types,
    );
    expect(imported.ok && imported.value.problems.map((p) => [p.code, p.nodeId])).toEqual([
      ['invalid_entry', 'x'],
      ['unknown_node_type', '7'],
    ]);
    expect(importWorkflow({ a: 1 }, types).ok).toBe(false);
    expect(importWorkflow([1, 2], types).ok).toBe(false);
    expect(importWorkflow({ version: 0.4, nodes: 'x', links: [] }, types).ok).toBe(false);
  });
});

describe(importPngText.name, () => {
  const workflow = JSON.stringify(comfyUiWorkflow(GRAPH, 0.4));
  const prompt = JSON.stringify(chainPrompt(3));

  it('prefers the workflow chunk, as ComfyUI does, and falls back to the prompt', () => {
    const both = importPngText({ prompt, workflow }, types);
    expect(both.ok && both.value.source).toBe('comfyui-ui');
    const promptOnly = importPngText({ prompt }, types);
    expect(promptOnly.ok && promptOnly.value.source).toBe('comfyui-api');
    const broken = importPngText({ prompt, workflow: '{oops' }, types, 'cat.png');
    expect(broken.ok && broken.value.problems.map((p) => p.message)).toEqual([
      "the 'workflow' text of cat.png is not valid JSON",
    ]);
  });

  it('says so when there is nothing to import', () => {
    const none = importPngText({ parameters: 'a1111 text' }, types, 'photo.png');
    expect(!none.ok && none.issues[0]?.message).toBe('photo.png has no embedded workflow or prompt');
  });
});
