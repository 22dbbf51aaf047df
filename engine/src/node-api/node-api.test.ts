import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Tensor } from '../tensor';
import { createTestEnv } from '../testing/test-nodes';
import { Input } from './input-specs';
import { defineNode } from './node-definition';
import { createNodeRegistry } from './node-registry';
import { objectInfo } from './object-info';

const env = createTestEnv();

const Sample = defineNode({
  type: 'Sample',
  category: 'test/sample',
  displayName: 'Sample Node',
  description: 'exercises every input kind',
  output: true,
  inputs: {
    image: Input.link('IMAGE'),
    mask: Input.link('MASK', { optional: true }),
    later: Input.link('INT', { lazy: true }),
    steps: Input.int({ default: 20, min: 1, max: 100 }),
    cfg: Input.float({ default: 7.5, min: 0, max: 30, step: 0.5 }),
    text: Input.string({ default: '', multiline: true }),
    tiled: Input.boolean({ default: false }),
    sampler: Input.combo({ options: ['euler', 'ddim'], default: 'euler' }),
    file: Input.combo({ options: () => ['a.png', 'b.png'], upload: 'image' }),
    seed: Input.seed(),
  },
  outputs: [{ type: 'IMAGE', name: 'result' }, { type: 'MY_TYPE' }],
  run: (_ctx, inputs) => [inputs.image, inputs.steps],
});

describe(defineNode.name, () => {
  it('types run inputs from the specs', () => {
    type Inputs = Parameters<typeof Sample.run>[1];
    expectTypeOf<Inputs['image']>().toEqualTypeOf<Tensor<'float32'>>();
    expectTypeOf<Inputs['mask']>().toEqualTypeOf<Tensor<'float32'> | undefined>();
    expectTypeOf<Inputs['later']>().toEqualTypeOf<() => Promise<number>>();
    expectTypeOf<Inputs['steps']>().toEqualTypeOf<number>();
    expectTypeOf<Inputs['text']>().toEqualTypeOf<string>();
    expectTypeOf<Inputs['tiled']>().toEqualTypeOf<boolean>();
    expectTypeOf<Inputs['sampler']>().toEqualTypeOf<'euler' | 'ddim'>();
    expectTypeOf<Inputs['seed']>().toEqualTypeOf<number>();
  });

  it.each([
    ['a default below min', { n: Input.int({ default: 0, min: 1 }) }],
    ['min above max', { n: Input.float({ default: 1, min: 2, max: 1 }) }],
    ['an empty static combo', { c: Input.combo({ options: [] }) }],
    ['a combo default that is not an option', { c: Input.combo({ options: ['a'], default: 'b' as 'a' }) }],
    ['a bad input name', { 'bad name': Input.int({ default: 0 }) }],
  ])('rejects %s', (_why, inputs) => {
    expect(() => defineNode({ type: 'Bad', category: 't', inputs, outputs: [], run: () => [] })).toThrow(
      /Bad/,
    );
  });
});

describe(createNodeRegistry.name, () => {
  it('refuses a duplicate type, naming both packs', () => {
    const registry = createNodeRegistry([Sample]);
    expect(() => registry.register(Sample, { pack: 'other-pack' })).toThrow(/other-pack.*core/);
  });

  it('lists socket types', () => {
    expect(createNodeRegistry([Sample]).socketTypes()).toEqual([
      'BOOLEAN',
      'COMBO',
      'FLOAT',
      'IMAGE',
      'INT',
      'MASK',
      'MY_TYPE',
      'STRING',
    ]);
  });
});

describe(objectInfo.name, () => {
  it("exports ComfyUI's object_info shape, resolving dynamic options", async () => {
    const info = await objectInfo(createNodeRegistry([Sample]), env);
    const schema = info.Sample!;
    expect(schema).toMatchObject({
      name: 'Sample',
      display_name: 'Sample Node',
      category: 'test/sample',
      output_node: true,
      output: ['IMAGE', 'MY_TYPE'],
      output_name: ['result', 'MY_TYPE'],
      input_order: {
        required: ['image', 'later', 'steps', 'cfg', 'text', 'tiled', 'sampler', 'file', 'seed'],
        optional: ['mask'],
      },
    });
    expect(schema.input.required.steps).toEqual(['INT', { default: 20, min: 1, max: 100 }]);
    expect(schema.input.required.later).toEqual(['INT', { lazy: true, forceInput: true }]);
    expect(schema.input.required.image).toEqual(['IMAGE', {}]);
    expect(schema.input.required.file).toEqual([['a.png', 'b.png'], { image_upload: true }]);
    expect(schema.input.required.seed?.[1]).toMatchObject({ control_after_generate: true, min: 0 });
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });
});
