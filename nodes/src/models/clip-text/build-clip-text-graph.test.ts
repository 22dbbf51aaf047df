import { Tensor } from '@momaflow/engine';
import { engineErrorOf } from '@momaflow/engine/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeightMap } from '../ldm-config';
import {
  fixturePath,
  parityError,
  readFloatVector,
  readVector,
  withSession,
} from '../ldm-config/test-support';
import { buildClipTextGraph } from './build-clip-text-graph';
import { encodeText } from './encode-text';
import { type ClipTextCheckpoint, loadClipText } from './load-clip-text';

const SOURCES = [
  ['diffusers folder (fp32)', 'tiny-sd'],
  ['single file with LDM keys (fp16)', 'tiny-sd.safetensors'],
] as const;

const loaded = new Map<string, ClipTextCheckpoint>();
let rows: Int32Array[];

beforeAll(async () => {
  for (const [, path] of SOURCES) loaded.set(path, await loadClipText(fixturePath(path)));
  const ids = await readVector('text.input_ids');
  const [batch = 0, width = 0] = ids.shape;
  rows = Array.from({ length: batch }, (_, i) =>
    Int32Array.from(Array.from(ids.data.slice(i * width, (i + 1) * width), Number)),
  );
});

/** Tokens [0, n) of every row of a [B, S, H] tensor. */
function firstTokens(t: Tensor<'float32'>, n: number): Tensor<'float32'> {
  const [b = 0, s = 0, h = 0] = t.shape;
  const out = Tensor.zeros('float32', [b, n, h]);
  for (let i = 0; i < b; i++) out.data.set(t.data.subarray(i * s * h, (i * s + n) * h), i * n * h);
  return out;
}

describe.each(SOURCES)('CLIP text parity, %s', (_name, path) => {
  it.each(['fused', 'plain'] as const)(
    'gives text.last_hidden_state for text.input_ids (%s attention)',
    async (attention) => {
      const { config, weights } = loaded.get(path)!;
      const expected = await readFloatVector('text.last_hidden_state');
      const out = await withSession(buildClipTextGraph(weights, config, { attention }), (s) =>
        encodeText(s, rows),
      );
      const { maxDiff, bound } = parityError(out, expected);
      expect(maxDiff).toBeLessThanOrEqual(bound);
    },
  );
});

describe(buildClipTextGraph.name, () => {
  it('is byte-identical from the fp32 diffusers folder and the fp16 single file', () => {
    const [a, b] = SOURCES.map(([, p]) => loaded.get(p)!);
    expect(buildClipTextGraph(a!.weights, a!.config).hash).toBe(
      buildClipTextGraph(b!.weights, b!.config).hash,
    );
  });

  it('outputs at layer -k the last state of the model without its last k - 1 layers (CLIP skip k)', async () => {
    const { config, weights } = loaded.get('tiny-sd')!;
    for (let k = 2; k <= config.layers; k++) {
      const skipped = await withSession(buildClipTextGraph(weights, config), (s) =>
        encodeText(s, rows, { layer: -k }),
      );
      const truncated = await withSession(
        buildClipTextGraph(weights, { ...config, layers: config.layers - (k - 1) }),
        (s) => encodeText(s, rows),
      );
      const { maxDiff, bound } = parityError(skipped, truncated);
      expect(maxDiff, `layer -${k}`).toBeLessThanOrEqual(bound);
    }
  });

  it('is causal: a prefix of the tokens encodes to the prefix of the states', async () => {
    const { config, weights } = loaded.get('tiny-sd')!;
    const prefix = 9;
    const [full, short] = await withSession(buildClipTextGraph(weights, config), (s) =>
      Promise.all([
        encodeText(s, rows),
        encodeText(
          s,
          rows.map((r) => r.subarray(0, prefix)),
        ),
      ]),
    );
    expect(short.shape).toEqual([rows.length, prefix, config.hiddenSize]);
    const { maxDiff, bound } = parityError(short, firstTokens(full, prefix));
    expect(maxDiff).toBeLessThanOrEqual(bound);
  });

  it.each([
    ['missing', 'text_model.encoder.layers.0.mlp.fc1.bias', undefined, 'weight_missing'],
    ['wrong-shaped', 'text_model.encoder.layers.0.self_attn.k_proj.weight', [3, 3], 'weight_shape_mismatch'],
  ])('names a %s weight with the expected and received shapes', (_name, key, replacement, code) => {
    const { config, weights } = loaded.get('tiny-sd')!;
    const tensors: Record<string, Tensor<'float32'>> = {};
    for (const k of weights.keys()) tensors[k] = weights.take(k, weights.shapeOf(k)!);
    const expectedShape = tensors[key]!.shape;
    if (replacement === undefined) delete tensors[key];
    else tensors[key] = Tensor.zeros('float32', replacement);
    const err = engineErrorOf(() => buildClipTextGraph(WeightMap.fromTensors('edited', tensors), config));
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject({
      key,
      expected: expectedShape,
      ...(replacement ? { received: replacement } : {}),
    });
    expect(err.message).toContain(key);
  });
});

describe(encodeText.name, () => {
  it.each([
    ['no rows', []],
    ['rows of different lengths', [new Int32Array(77), new Int32Array(76)]],
  ])('refuses %s', async (_name, ids) => {
    const { config, weights } = loaded.get('tiny-sd')!;
    await expect(
      withSession(buildClipTextGraph(weights, config), (s) => encodeText(s, ids)),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});
