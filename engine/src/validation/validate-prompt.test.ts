import { describe, expect, it } from 'vitest';
import { createExecutor } from '../executor/executor';
import { createTestEnv, createTestNodes } from '../testing/test-nodes';
import { validatePrompt } from './validate-prompt';
import type { ValidationIssueType } from './validation-issue';

const { registry } = createTestNodes();
const env = createTestEnv();
const validate = (prompt: unknown, targets?: string[]) =>
  validatePrompt(prompt, { registry, env, ...(targets ? { targets } : {}) });

const show = (from: string) => ({ class_type: 'Show', inputs: { value: [from, 0] } });
const num = (value: unknown) => ({ class_type: 'Number', inputs: { value } });

describe(validatePrompt.name, () => {
  it('accepts a valid prompt and orders nodes by dependency', async () => {
    const result = await validate({
      '9': show('2'),
      '2': { class_type: 'Add', inputs: { a: ['1', 0], b: 3 } },
      '1': num(4),
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect([...result.value.nodes.keys()]).toEqual(['1', '2', '9']);
  });

  const cases: [string, unknown, ValidationIssueType, string | null][] = [
    ['junk (string)', 'not a prompt', 'invalid_prompt', null],
    ['junk (array)', [1, 2], 'invalid_prompt', null],
    ['node without class_type', { '1': { inputs: {} }, '2': show('3'), '3': num(1) }, 'invalid_node', '1'],
    ['unknown class', { '1': { class_type: 'Nope', inputs: {} }, '2': show('1') }, 'unknown_node_type', '1'],
    ['missing required input', { '1': { class_type: 'Show', inputs: {} } }, 'required_input_missing', '1'],
    ['link to missing node', { '1': show('7') }, 'link_to_missing_node', '1'],
    [
      'link to missing output',
      { '1': num(1), '2': { class_type: 'Show', inputs: { value: ['1', 3] } } },
      'link_to_missing_output',
      '2',
    ],
    [
      'type mismatch',
      {
        '1': { class_type: 'Label', inputs: { text: 'a', mode: 'upper', scale: 1, seed: 0 } },
        '2': show('1'),
      },
      'type_mismatch',
      '2',
    ],
    ['wrong value kind', { '1': num('seven'), '2': show('1') }, 'wrong_value_kind', '1'],
    [
      'literal for a link input',
      { '1': { class_type: 'Show', inputs: { value: 5 } } },
      'wrong_value_kind',
      '1',
    ],
    ['value above max', { '1': num(1e300), '2': show('1') }, 'wrong_value_kind', '1'],
    ['value out of range', { '1': num(2_000_000), '2': show('1') }, 'value_out_of_range', '1'],
    [
      'value not in combo',
      {
        '1': { class_type: 'Label', inputs: { text: 'a', mode: 'sideways', scale: 1, seed: 0 } },
        '2': { class_type: 'ShowText', inputs: { text: ['1', 0] } },
      },
      'value_not_in_list',
      '1',
    ],
    [
      'cycle',
      {
        '1': { class_type: 'Add', inputs: { a: ['2', 0], b: 1 } },
        '2': { class_type: 'Add', inputs: { a: ['1', 0], b: 1 } },
        '3': show('2'),
      },
      'cycle',
      '1',
    ],
    [
      'self loop',
      { '1': { class_type: 'Add', inputs: { a: ['1', 0], b: 1 } }, '3': show('1') },
      'cycle',
      '1',
    ],
    ['no output node', { '1': num(1) }, 'no_output_node', null],
    ['empty prompt', {}, 'no_output_node', null],
  ];

  it.each(cases)('reports %s', async (_name, prompt, type, nodeId) => {
    const result = await validate(prompt);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const matching = result.issues.filter((i) => i.type === type);
    expect(
      matching.map((i) => i.nodeId),
      JSON.stringify(result.issues),
    ).toContain(nodeId);
    expect(matching.every((i) => i.message.length > 5)).toBe(true);
  });

  it('reports an unknown partial-execution target', async () => {
    const result = await validate({ '1': num(1), '2': show('1') }, ['42']);
    expect(!result.ok && result.issues.map((i) => i.type)).toEqual(['unknown_target']);
  });

  it('returns every problem at once, with input, received and expected', async () => {
    const result = await validate({
      '1': num(5_000_000),
      '2': { class_type: 'Label', inputs: { text: 3, mode: 'x', scale: -1, seed: -5 } },
      '3': show('1'),
      '4': { class_type: 'ShowText', inputs: { text: ['2', 0] } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => [i.nodeId, i.input, i.type])).toEqual(
      expect.arrayContaining([
        ['1', 'value', 'value_out_of_range'],
        ['2', 'text', 'wrong_value_kind'],
        ['2', 'mode', 'value_not_in_list'],
        ['2', 'scale', 'value_out_of_range'],
        ['2', 'seed', 'value_out_of_range'],
      ]),
    );
    const range = result.issues.find((i) => i.nodeId === '1')!;
    expect(range).toMatchObject({
      classType: 'Number',
      received: 5_000_000,
      expected: { min: -1_000_000, max: 1_000_000 },
    });
  });

  it('ignores input problems in nodes no output depends on (their types are still checked)', async () => {
    const result = await validate({
      '1': num(1),
      '2': show('1'),
      '4': num('bad'),
    });
    expect(result.ok).toBe(true);
  });

  it('fills defaults for unset optional widgets and rounds nothing else', async () => {
    const result = await validate({
      '1': { class_type: 'Label', inputs: { text: 'a', mode: 'lower', scale: 2.5, seed: 3 } },
      '2': { class_type: 'ShowText', inputs: { text: ['1', 0] } },
    });
    expect(result.ok && result.value.nodes.get('1')?.values).toEqual({
      text: 'a',
      mode: 'lower',
      scale: 2.5,
      seed: 3,
      flag: false,
    });
  });

  it('runs custom validate hooks and reports their problems on the input', async () => {
    const { definitions } = createTestNodes();
    const { defineNode, Input, createNodeRegistry } = await import('../index');
    const Even = defineNode({
      type: 'Even',
      category: 'test',
      output: true,
      inputs: { n: Input.int({ default: 0 }) },
      outputs: [],
      validate: ({ values }) =>
        values.n !== undefined && values.n % 2 ? [{ message: 'n must be even', input: 'n' }] : [],
      run: () => ({ outputs: [] }),
    });
    const reg = createNodeRegistry([...definitions, Even]);
    const result = await validatePrompt(
      { '1': { class_type: 'Even', inputs: { n: 3 } } },
      { registry: reg, env },
    );
    expect(!result.ok && result.issues[0]).toMatchObject({
      type: 'custom_validation_failed',
      nodeId: '1',
      input: 'n',
    });
  });
});

describe('validatePrompt with hostile values', () => {
  it('reports a value nested deeper than the stack as a wrong kind, without throwing', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const result = await validate({ '1': { class_type: 'Number', inputs: { value: deep } }, '2': show('1') });
    expect(!result.ok && result.issues[0]).toMatchObject({
      type: 'wrong_value_kind',
      nodeId: '1',
      input: 'value',
    });
  });
});

describe('validatePrompt with prototype-named keys', () => {
  const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
  /** JSON text, so `__proto__` arrives as an own key, as it does from a request body. */
  const parse = (text: string): unknown => JSON.parse(text);

  it.each(KEYS)('runs a prompt whose node ids are %s', async (key) => {
    const prompt = parse(
      `{"${key}": {"class_type": "Number", "inputs": {"value": 3}}, "out": {"class_type": "Show", "inputs": {"value": ["${key}", 0]}}}`,
    );
    const result = await validate(prompt);
    expect(result.ok && [...result.value.nodes.keys()]).toEqual([key, 'out']);
    if (!result.ok) return;
    const run = await createExecutor({ env }).execute(result.value);
    expect(run.status).toBe('success');
    expect(Object.keys(run.timings).sort()).toEqual([key, 'out'].sort());
  });

  it.each(KEYS)('reports problems on node %s under its own id', async (key) => {
    const result = await validate(
      parse(
        `{"${key}": {"class_type": "Number", "inputs": {"value": "x", "${key}": 1}}, "o": {"class_type": "Show", "inputs": {"value": ["${key}", 0]}}}`,
      ),
    );
    expect(!result.ok && result.issues.map((i) => [i.type, i.nodeId])).toEqual([['wrong_value_kind', key]]);
  });

  it.each(KEYS)('does not read an inherited %s as an input value', async (key) => {
    // A link to a node named like an Object.prototype member that is not in the prompt.
    const result = await validate(parse(`{"1": {"class_type": "Show", "inputs": {"value": ["${key}", 0]}}}`));
    expect(!result.ok && result.issues.map((i) => i.type)).toEqual(['link_to_missing_node']);
  });
});

describe('validatePrompt and unknown node types', () => {
  it('refuses a prompt naming an unknown type anywhere, each node named, as ComfyUI does', async () => {
    const result = await validate({
      '1': num(2),
      '2': show('1'),
      '7': { class_type: 'SaveImageWebsocketX', inputs: { images: ['1', 0] } },
      '8': { class_type: 'MissingPackNode', inputs: {} },
    });
    expect(!result.ok && result.issues.map((i) => [i.type, i.nodeId, i.classType])).toEqual([
      ['unknown_node_type', '7', 'SaveImageWebsocketX'],
      ['unknown_node_type', '8', 'MissingPackNode'],
    ]);
  });
});
