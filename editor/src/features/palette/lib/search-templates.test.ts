import { describe, expect, it } from 'vitest';
import { testTemplates } from '../../../testing/builders';
import { searchTemplates } from './search-templates';

const templates = testTemplates();
const types = (query: string, filter?: Parameters<typeof searchTemplates>[2]) =>
  searchTemplates(templates, query, filter).map((m) => m.template.type);

describe(searchTemplates.name, () => {
  it.each([
    ['save im', ['SaveImage']],
    ['upscale', ['ImageScale']],
    ['KSAMPLER', ['Sampler']],
    ['loaders', ['Checkpoint']],
    ['nothing like this', []],
  ])('%s finds %j', (query, expected) => {
    expect(types(query)).toEqual(expected);
  });

  it('ranks name prefixes first', () => {
    expect(types('image')[0]).toBe('ImageScale');
  });

  it('offers only node types that take a dropped output, with the input to link', () => {
    const matches = searchTemplates(templates, '', {
      from: 'output',
      nodeId: '1',
      outputIndex: 1,
      type: 'MASK',
    });
    expect(matches.map((m) => [m.template.type, m.socket])).toEqual([['InvertMask', { input: 'mask' }]]);
  });

  it('offers only node types that give a dropped input its type, with the output to link', () => {
    const matches = searchTemplates(templates, '', {
      from: 'input',
      nodeId: '9',
      input: 'model',
      type: 'MODEL',
    });
    expect(matches.map((m) => [m.template.type, m.socket])).toEqual([['Checkpoint', { outputIndex: 0 }]]);
  });
});
