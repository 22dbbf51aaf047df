import { describe, expect, it } from 'vitest';
import { commandFor } from './shortcuts';

const key = (
  k: string,
  mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {},
) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe(commandFor.name, () => {
  it.each([
    [key('Enter', { ctrlKey: true }), 'queue'],
    [key('Enter', { metaKey: true }), 'queue'],
    [key('z', { ctrlKey: true }), 'undo'],
    [key('Z', { ctrlKey: true, shiftKey: true }), 'redo'],
    [key('y', { ctrlKey: true }), 'redo'],
    [key('d', { ctrlKey: true }), 'duplicate'],
    [key('b', { ctrlKey: true }), 'bypass'],
    [key('m', { ctrlKey: true }), 'mute'],
    [key(' '), 'palette'],
    [key('a', { ctrlKey: true }), 'selectAll'],
    [key('.'), 'fitView'],
    [key('L', { ctrlKey: true, shiftKey: true }), 'autoLayout'],
    [key('g', { ctrlKey: true }), 'addFrame'],
    [key('n'), 'addNote'],
    [key('s', { ctrlKey: true }), 'save'],
    [key('?', { shiftKey: true }), 'help'],
    [key('Escape'), 'closeOverlay'],
    [key('x'), undefined],
    [key('Enter'), undefined],
    [key(' ', { ctrlKey: true }), undefined],
  ])('%j -> %s', (event, command) => {
    expect(commandFor(event)).toBe(command);
  });
});
