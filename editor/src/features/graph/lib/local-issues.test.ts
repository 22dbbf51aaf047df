import { describe, expect, it } from 'vitest';
import { docOf, testTemplates, workflowOf } from '../../../testing/builders';
import { localIssues } from './local-issues';

const templates = testTemplates();
const issuesOf = (node: Parameters<typeof workflowOf>[0][string]) => {
  const doc = docOf(workflowOf({ '1': { class_type: 'Checkpoint' }, '9': node }));
  const flow = doc.nodes.find((n) => n.id === '9');
  if (flow?.type !== 'workflow') throw new Error('no node 9');
  return localIssues(flow.data, templates.get(flow.data.classType)).map((i) => [i.type, i.input]);
};

describe(localIssues.name, () => {
  it.each([
    ['a complete node', { class_type: 'Sampler', inputs: { model: ['1', 0], seed: 3 } }, []],
    ['a missing required link', { class_type: 'Sampler', inputs: {} }, [['required_input_missing', 'model']]],
    ['an optional widget left unset', { class_type: 'Sampler', inputs: { model: ['1', 0] } }, []],
    [
      'a combo value not offered',
      { class_type: 'Sampler', inputs: { model: ['1', 0], sampler_name: 'heun' } },
      [['value_not_in_list', 'sampler_name']],
    ],
    [
      'a number out of range',
      { class_type: 'Sampler', inputs: { model: ['1', 0], cfg: 99 } },
      [['value_out_of_range', 'cfg']],
    ],
    [
      'a number that is not one',
      { class_type: 'Sampler', inputs: { model: ['1', 0], seed: 'x' } },
      [['value_out_of_range', 'seed']],
    ],
    [
      'an input the type no longer has',
      { class_type: 'Sampler', inputs: { model: ['1', 0], eta: 0.5 } },
      [['unknown_input', 'eta']],
    ],
    ['a muted node', { class_type: 'Sampler', inputs: {}, mode: 'muted' as const }, []],
    ['a node type the server lacks', { class_type: 'Nope', inputs: {} }, []],
  ])('%s', (_name, node, expected) => {
    expect(issuesOf(node)).toEqual(expected);
  });
});
