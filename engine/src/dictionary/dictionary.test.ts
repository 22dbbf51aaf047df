import { describe, expect, it } from 'vitest';
import { dict, dictFrom, ownValue } from './dictionary';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

describe(dict.name, () => {
  it.each(PROTOTYPE_KEYS)('stores and reads %s as data', (key) => {
    const map = dict<number>();
    expect(map[key]).toBeUndefined();
    map[key] = 7;
    expect(map[key]).toBe(7);
    expect(Object.keys(map)).toEqual([key]);
    expect(JSON.parse(JSON.stringify(map))).toEqual(JSON.parse(`{"${key}": 7}`));
    expect(Object.getPrototypeOf({})).toBe(Object.prototype); // nothing leaked into every object
  });
});

describe(dictFrom.name, () => {
  it('keeps every entry, later ones winning', () => {
    const map = dictFrom([
      ['__proto__', 1],
      ['a', 2],
      ['a', 3],
    ]);
    expect(Object.keys(map)).toEqual(['__proto__', 'a']);
    expect(map.a).toBe(3);
    expect(Object.getPrototypeOf(map)).toBeNull();
  });
});

describe(ownValue.name, () => {
  it.each(PROTOTYPE_KEYS)('reads %s only when the object has it itself', (key) => {
    expect(ownValue({}, key)).toBeUndefined();
    expect(ownValue(JSON.parse(`{"${key}": 1}`), key)).toBe(1);
  });
});
