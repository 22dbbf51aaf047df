import { describe, expect, it } from 'vitest';
import { parsePromptSegments } from './prompt-segments';

const text = (t: string) => ({ kind: 'text', text: t });
const embedding = (name: string) => ({ kind: 'embedding', name });
const added = (index: number) => ({ kind: 'added', index });

describe(parsePromptSegments.name, () => {
  it.each([
    [
      'a photo of embedding:cat-toy on a beach',
      [text('a photo of '), embedding('cat-toy'), text(' on a beach')],
    ],
    ['embedding:style', [embedding('style')]],
    [
      'portrait\nembedding:sub/face.pt, smiling',
      [text('portrait\n'), embedding('sub/face.pt,'), text(' smiling')],
    ],
    ['an xembedding:cat is plain text', [text('an xembedding:cat is plain text')]],
    ['embedding:a embedding:a', [embedding('a'), text(' '), embedding('a')]],
  ])('splits %j as ComfyUI does', (prompt, expected) => {
    expect(parsePromptSegments(prompt, [])).toEqual(expected);
  });

  it('matches added tokens anywhere, ignoring case, longest first', () => {
    expect(parsePromptSegments('a <NEW1> cat and a <new10>dog', ['<new1>', '<new10>'])).toEqual([
      text('a '),
      added(0),
      text(' cat and a '),
      added(1),
      text('dog'),
    ]);
  });

  it('finds added tokens around embeddings', () => {
    expect(parsePromptSegments('<new1> embedding:bg', ['<new1>'])).toEqual([
      added(0),
      text(' '),
      embedding('bg'),
    ]);
  });
});
