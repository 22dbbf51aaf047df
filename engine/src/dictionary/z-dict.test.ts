import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zDict } from './z-dict';

const zNodes = zDict(z.object({ class_type: z.string().min(1) }), { key: z.string().min(1) });

describe(zDict.name, () => {
  it('keeps prototype-named keys as entries of a prototype-less map', () => {
    const text =
      '{"__proto__": {"class_type": "A"}, "constructor": {"class_type": "B"}, "1": {"class_type": "C"}}';
    const parsed = zNodes.parse(JSON.parse(text));
    expect(Object.keys(parsed).sort()).toEqual(['1', '__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toEqual({ class_type: 'A' });
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(parsed.toString).toBeUndefined();
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(JSON.parse(text));
  });

  it('reports bad values and keys with the key in the path', () => {
    const result = zNodes.safeParse(JSON.parse('{"__proto__": {"class_type": 5}, "": {"class_type": "A"}}'));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toEqual([['__proto__', 'class_type'], ['']]);
  });

  it.each([[null], [[1]], ['x'], [5], [new Map()]])('refuses %j as not an object', (value) => {
    expect(zNodes.safeParse(value).success).toBe(false);
  });

  it('gives a prototype-less map for a missing value with prefault', () => {
    const parsed = z.object({ inputs: zDict(z.unknown()).prefault({}) }).parse({});
    expect(parsed.inputs).toEqual({});
    expect(Object.getPrototypeOf(parsed.inputs)).toBeNull();
  });
});
