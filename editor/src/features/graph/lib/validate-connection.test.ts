import { describe, expect, it } from 'vitest';
import { docOf, testTemplates } from '../../../testing/builders';
import { inputHandleId, outputHandleId } from './handle-ids';
import { type ProposedLink, validateConnection, wouldCreateCycle } from './validate-connection';

const templates = testTemplates();
const doc = docOf();
const link = (source: string, out: number, target: string, input: string): ProposedLink => ({
  source,
  sourceHandle: outputHandleId(out),
  target,
  targetHandle: inputHandleId(input),
});
const check = (l: ProposedLink) =>
  validateConnection({ nodes: doc.nodes, edges: doc.edges, templates, link: l });

describe(validateConnection.name, () => {
  it.each([
    ['IMAGE -> IMAGE', link('1', 0, '3', 'images'), true, undefined],
    ['replacing an existing link', link('1', 0, '2', 'image'), true, undefined],
    ['MASK -> IMAGE', link('1', 1, '3', 'images'), false, 'type_mismatch'],
    ['IMAGE -> MASK', link('2', 0, '4', 'mask'), false, 'type_mismatch'],
    ['into itself', link('2', 0, '2', 'image'), false, 'self_link'],
    ['a missing output', link('1', 5, '3', 'images'), false, 'unknown_handle'],
    ['a missing input', link('1', 0, '3', 'nope'), false, 'unknown_handle'],
    ['a missing node', link('99', 0, '3', 'images'), false, 'unknown_node'],
  ])('%s', (_name, proposed, ok, code) => {
    const result = check(proposed);
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.code).toBe(code);
  });

  it('says which types clash, naming the input', () => {
    const result = check(link('1', 1, '3', 'images'));
    expect(!result.ok && result.message).toBe("MASK output 'MASK' cannot feed IMAGE input 'images'");
  });

  it('refuses a link that closes a cycle', () => {
    const cyclic = docOf({
      format: 'momaflow.workflow',
      version: 2,
      nodes: {
        '1': { class_type: 'InvertMask', inputs: {}, pos: [0, 0], mode: 'always' },
        '2': { class_type: 'InvertMask', inputs: { mask: ['1', 0] }, pos: [0, 0], mode: 'always' },
        '3': { class_type: 'InvertMask', inputs: { mask: ['2', 0] }, pos: [0, 0], mode: 'always' },
      },
      groups: [],
      notes: [],
      extra: {},
    });
    const result = validateConnection({
      nodes: cyclic.nodes,
      edges: cyclic.edges,
      templates,
      link: link('3', 0, '1', 'mask'),
    });
    expect(!result.ok && result.code).toBe('cycle');
  });

  it('lets a STRING output drive a COMBO widget', () => {
    const withText = docOf({
      format: 'momaflow.workflow',
      version: 2,
      nodes: {
        '1': { class_type: 'TextOut', inputs: { text: 'bicubic' }, pos: [0, 0], mode: 'always' },
        '2': { class_type: 'ImageScale', inputs: {}, pos: [0, 0], mode: 'always' },
      },
      groups: [],
      notes: [],
      extra: {},
    });
    const result = validateConnection({
      nodes: withText.nodes,
      edges: withText.edges,
      templates,
      link: link('1', 0, '2', 'upscale_method'),
    });
    expect(result).toEqual({ ok: true, type: 'STRING', outputIndex: 0, input: 'upscale_method' });
  });
});

describe(wouldCreateCycle.name, () => {
  it('follows edges downstream from the target', () => {
    expect(wouldCreateCycle(doc.edges, '3', '1')).toBe(true);
    expect(wouldCreateCycle(doc.edges, '1', '3')).toBe(false);
  });
});
