import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { attrFloat } from './attributes';
import { linear } from './linear';
import { OnnxBuilder } from './onnx-builder';
import { randomTensor, runModel } from './test-reference';

function smallModel(weight: Tensor<'float32'>) {
  const b = OnnxBuilder.create();
  const x = b.input('x', 'float32', ['batch', 4]);
  const h = b.scope('block', () => linear(b, { weight, bias: Tensor.filled([3], 0.5) }, x, { name: 'proj' }));
  b.output(b.op('Elu', [h], { alpha: attrFloat(1) }), 'y');
  return b.build({ metadata: { source: 'test', arch: 'tiny' } });
}

describe(OnnxBuilder.name, () => {
  it('builds identical bytes and hash for the same graph, and a new hash for new weights', () => {
    const a = smallModel(randomTensor([3, 4], 1));
    const b = smallModel(randomTensor([3, 4], 1));
    const c = smallModel(randomTensor([3, 4], 2));
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.hash).not.toBe(a.hash);
  });

  it('runs a built graph through onnxruntime', async () => {
    const weight = randomTensor([3, 4], 1);
    const x = randomTensor([2, 4], 3);
    const out = await runModel(smallModel(weight), { x });
    expect(out.y?.shape).toEqual([2, 3]);
  });

  it('names nodes, outputs and initializers after the scope path', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 2]);
    const y = b.scope('down_blocks', () => b.scope(0, () => b.op('Relu', [x])));
    const z = b.scope('down_blocks', () => b.scope(0, () => b.op('Relu', [y])));
    expect(y.name).toBe('down_blocks.0.Relu_output_0');
    expect(z.name).toBe('down_blocks.0.Relu_1_output_0');
    expect(b.snapshot().nodes.map((n) => n.name)).toEqual(['down_blocks.0.Relu', 'down_blocks.0.Relu_1']);
    expect(b.scopePath).toBe('');
  });

  it('drops trailing omitted inputs and keeps inner ones as empty names', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 4, 2, 2]);
    const scales = b.constFloat('float32', [1, 1, 2, 2]);
    b.op('Resize', [x, null, scales, null]);
    expect(b.snapshot().nodes[0]?.inputs).toEqual(['x', '', scales.name]);
  });

  it.each([
    {
      code: 'duplicate_name',
      run: (b: OnnxBuilder) => {
        b.initializer('w', Tensor.filled([1], 1));
        b.initializer('w', Tensor.filled([1], 2));
      },
    },
    {
      code: 'duplicate_name',
      run: (b: OnnxBuilder) => [b.input('x', 'float32', [1]), b.input('x', 'float32', [1])],
    },
    {
      code: 'foreign_value',
      run: (b: OnnxBuilder) => b.op('Relu', [OnnxBuilder.create().input('x', 'float32', [1])]),
    },
    {
      code: 'missing_dtype',
      // @ts-expect-error the types already demand a first input or an explicit dtype; this checks the runtime guard
      run: (b: OnnxBuilder) => b.op('Relu', [null]),
    },
    { code: 'invalid_name', run: (b: OnnxBuilder) => b.op('Not An Op', [b.input('x', 'float32', [1])]) },
    { code: 'invalid_name', run: (b: OnnxBuilder) => b.scope('a.b', () => 0) },
    {
      code: 'unknown_domain',
      run: (b: OnnxBuilder) => b.op('Foo', [b.input('x', 'float32', [1])], {}, { domain: 'org.x' }),
    },
    { code: 'invalid_shape', run: (b: OnnxBuilder) => b.input('x', 'float32', [-1]) },
    { code: 'no_outputs', run: (b: OnnxBuilder) => b.build() },
    { code: 'invalid_attribute', run: (b: OnnxBuilder) => smallAttr(b, 2 ** 60) },
  ])('throws $code', ({ code, run }) => {
    expect(() => run(OnnxBuilder.create())).toThrowError(expect.objectContaining({ code }));
  });

  it.each([17, 18, 19, 20, 21, 22, 23])(
    'emits opset %i with an IR version onnxruntime accepts',
    async (opset) => {
      const b = OnnxBuilder.create({ opset });
      const x = b.input('x', 'float32', [2]);
      b.output(b.op('Relu', [b.op('Reshape', [x, b.constInt64([2])])]), 'y');
      const out = await runModel(b.build(), { x: new Tensor('float32', [2], Float32Array.of(-1, 2)) });
      expect(Array.from(out.y!.data as Float32Array)).toEqual([0, 2]);
    },
  );

  it('rejects opsets outside [17, 23]', () => {
    expect(() => OnnxBuilder.create({ opset: 13 })).toThrowError(
      expect.objectContaining({ code: 'invalid_opset' }),
    );
  });

  it('keeps names unique and nodes topologically ordered for any sequence of ops (property)', () => {
    const step = fc.record({
      scope: fc.constantFrom('', 'a', 'b', '0', '1'),
      op: fc.constantFrom('Relu', 'Neg', 'Add', 'Mul'),
      name: fc.option(fc.constantFrom('x', 'proj', 'Relu'), { nil: undefined }),
      pick: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const b = OnnxBuilder.create();
        const values = [b.input('in', 'float32', [2])];
        for (const s of steps) {
          const arg = values[s.pick % values.length]!;
          const emit = () => {
            const inputs =
              s.op === 'Add' || s.op === 'Mul' ? [arg, values[(s.pick >> 1) % values.length]!] : [arg];
            return b.op(s.op, inputs as [typeof arg], {}, s.name === undefined ? {} : { name: s.name });
          };
          values.push(s.scope === '' ? emit() : b.scope(s.scope, emit));
        }
        b.output(values.at(-1)!, 'out');
        const snap = b.snapshot();
        const nodeNames = snap.nodes.map((n) => n.name);
        expect(new Set(nodeNames).size).toBe(nodeNames.length);
        const defined = new Set(['in', ...snap.initializers.map((i) => i.name)]);
        for (const n of snap.nodes) {
          for (const i of n.inputs) expect(defined.has(i)).toBe(true);
          for (const o of n.outputs) {
            expect(defined.has(o)).toBe(false);
            defined.add(o);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

function smallAttr(b: OnnxBuilder, v: number) {
  const x = b.input('x', 'float32', [1]);
  b.output(b.op('Foo', [x], { big: v }), 'y');
  return b.build();
}
