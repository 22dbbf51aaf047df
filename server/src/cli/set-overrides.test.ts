import { createTestNodes } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { applyOverrides, parseOverride } from './set-overrides';

const { registry } = createTestNodes();
const prompt = {
  '1': { class_type: 'Number', inputs: { value: 1 } },
  '2': { class_type: 'Label', inputs: { text: 'a', mode: 'upper', scale: 1, seed: 0 } },
};

describe(parseOverride.name, () => {
  it.each([
    ['3.seed=42', { nodeId: '3', input: 'seed', raw: '42' }],
    ['6.text=a=b c', { nodeId: '6', input: 'text', raw: 'a=b c' }],
    ['6.text=', { nodeId: '6', input: 'text', raw: '' }],
  ])('parses %s', (flag, expected) => expect(parseOverride(flag)).toEqual(expected));

  it.each(['seed=42', '3seed=1', '.x=1'])('rejects %s', (flag) =>
    expect(typeof parseOverride(flag)).toBe('string'),
  );
});

describe(applyOverrides.name, () => {
  it('types values by the input spec', () => {
    const result = applyOverrides(
      prompt,
      ['1.value=42', '2.text=123', '2.scale=2.5', '2.mode=lower'],
      registry,
    );
    expect(result.ok && result.prompt).toEqual({
      '1': { class_type: 'Number', inputs: { value: 42 } },
      '2': { class_type: 'Label', inputs: { text: '123', mode: 'lower', scale: 2.5, seed: 0 } },
    });
    expect(prompt['1'].inputs.value).toBe(1);
  });

  it('names the flag, node and input in every error', () => {
    const result = applyOverrides(prompt, ['9.value=1', '1.nope=2', 'garbage'], registry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(3);
    expect(result.errors[0]).toContain("no node '9'");
    expect(result.errors[1]).toContain("no input 'nope'");
    expect(result.errors[2]).toContain('garbage');
  });

  it('leaves wrong values for the validator to report', () => {
    const result = applyOverrides(prompt, ['1.value=abc'], registry);
    expect(result.ok && Number.isNaN(result.prompt['1']?.inputs.value)).toBe(true);
  });
});
