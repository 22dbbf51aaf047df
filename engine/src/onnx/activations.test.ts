import { describe, expect, it } from 'vitest';
import { geglu, gelu, geluTanh, quickGelu, silu } from './activations';
import { OnnxBuilder } from './onnx-builder';
import {
  assertClose,
  geluRef,
  geluTanhRef,
  linearRef,
  quickGeluRef,
  randomTensor,
  runModel,
  siluRef,
} from './test-reference';
import type { Value } from './value';

type Activation = (b: OnnxBuilder, x: Value<'float32'>) => Value<'float32'>;

describe('activations', () => {
  it.each([
    { name: 'gelu', fn: gelu as Activation, ref: geluRef },
    { name: 'geluTanh', fn: geluTanh as Activation, ref: geluTanhRef },
    { name: 'quickGelu', fn: quickGelu as Activation, ref: quickGeluRef },
    { name: 'silu', fn: silu as Activation, ref: siluRef },
  ])('$name matches its formula', async ({ fn, ref }) => {
    const x = randomTensor([3, 50], 61, 2.5);
    const b = OnnxBuilder.create();
    const y = fn(b, b.input('x', 'float32', [3, 50]));
    expect(y.shape).toEqual([3, 50]);
    b.output(y, 'y');
    const out = await runModel(b.build(), { x });
    assertClose(out.y!.data as Float32Array, Array.from(x.data, ref));
  });

  it('geglu is h * gelu(gate) over the two halves of the projection', async () => {
    const weight = randomTensor([2 * 24, 16], 62, 0.3);
    const bias = randomTensor([2 * 24], 63);
    const x = randomTensor([1, 5, 16], 64);
    const b = OnnxBuilder.create();
    const y = geglu(b, { weight, bias }, b.input('x', 'float32', [1, 5, 16]), { name: 'proj' });
    expect(y.shape).toEqual([1, 5, 24]);
    b.output(y, 'y');
    const out = await runModel(b.build(), { x });
    const proj = linearRef(x.data, 5, weight, bias);
    const ref = Array.from({ length: 5 * 24 }, (_, i) => {
      const row = Math.floor(i / 24);
      const col = i % 24;
      return proj[row * 48 + col]! * geluRef(proj[row * 48 + 24 + col]!);
    });
    assertClose(out.y!.data as Float32Array, ref, { atol: 1e-5 });
  });
});
