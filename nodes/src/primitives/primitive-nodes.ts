/**
 * @module
 * Primitive nodes: a typed constant that can drive any widget of the same type through a link
 * (ComfyUI's PrimitiveInt/Float/String/Boolean), plus a seed source.
 */
import { defineNode, Input, MAX_SEED } from '@momaflow/engine';

const CATEGORY = 'utils/primitive';

export const PrimitiveInt = defineNode({
  type: 'PrimitiveInt',
  displayName: 'Int',
  category: CATEGORY,
  concurrent: true,
  inputs: { value: Input.int({ default: 0, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }) },
  outputs: [{ type: 'INT' }],
  run: (_ctx, { value }) => [value],
});

export const PrimitiveFloat = defineNode({
  type: 'PrimitiveFloat',
  displayName: 'Float',
  category: CATEGORY,
  concurrent: true,
  inputs: { value: Input.float({ default: 0, min: -Number.MAX_VALUE, max: Number.MAX_VALUE, step: 0.01 }) },
  outputs: [{ type: 'FLOAT' }],
  run: (_ctx, { value }) => [value],
});

export const PrimitiveString = defineNode({
  type: 'PrimitiveString',
  displayName: 'String',
  category: CATEGORY,
  concurrent: true,
  inputs: { value: Input.string({ default: '', multiline: true }) },
  outputs: [{ type: 'STRING' }],
  run: (_ctx, { value }) => [value],
});

export const PrimitiveBoolean = defineNode({
  type: 'PrimitiveBoolean',
  displayName: 'Boolean',
  category: CATEGORY,
  concurrent: true,
  inputs: { value: Input.boolean({ default: false }) },
  outputs: [{ type: 'BOOLEAN' }],
  run: (_ctx, { value }) => [value],
});

export const Seed = defineNode({
  type: 'Seed',
  category: CATEGORY,
  description: 'A seed for samplers; the editor can change it after each run (fixed, increment, randomize).',
  concurrent: true,
  inputs: { seed: Input.seed({ default: 0 }) },
  outputs: [{ type: 'INT', name: 'seed' }],
  run: (_ctx, { seed }) => [Math.min(seed, MAX_SEED)],
});

export const PRIMITIVE_NODES = [
  PrimitiveInt,
  PrimitiveFloat,
  PrimitiveString,
  PrimitiveBoolean,
  Seed,
] as const;
