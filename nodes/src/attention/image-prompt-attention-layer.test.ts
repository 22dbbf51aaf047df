/**
 * One UNet cross-attention layer (`attentionLayer`, as the UNet builds every `attn2`) patched by
 * `imagePromptPatch` with entries read the way ImagePromptAttention reads an IP-Adapter's
 * `ip_adapter` section, checked against IP-Adapter's decoupled attention computed here in plain TS:
 * to_out(softmax(Q K_text^T / sqrt(d)) V_text + scale * softmax(Q K_ip^T / sqrt(d)) V_ip), per head.
 */
import { OnnxBuilder, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { attentionRef, linearRef, randomTensor, runModel } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { inScope, WeightMap, WeightScope } from '../models/ldm-config';
import {
  type AttentionHookPoint,
  type AttentionKernel,
  type BatchRow,
  DEFAULT_UNET_OPSET,
  type PatchRunInfo,
} from '../models/unet';
import { attentionLayer } from '../models/unet/attention-layer';
import { PatchIo } from '../models/unet/patch-io';
import { decoupledWeights, fittedEntries } from './decoupled-weights';
import { imagePromptPatch } from './image-prompt-patch';
import { WHOLE_SCHEDULE } from './timestep-range';

const HEADS = 2;
const CHANNELS = 8;
const CONTEXT = 6;
const [HEIGHT, WIDTH] = [2, 3];
const TEXT_TOKENS = 5;
const IP_TOKENS = 4;

const POINT: AttentionHookPoint = {
  id: 'down_blocks.0.attentions.0.transformer_blocks.0.attn2',
  order: 1,
  block: 'down',
  blockIndex: 0,
  attentionIndex: 0,
  transformerIndex: 0,
  kind: 'cross',
  resolution: 1,
  heads: HEADS,
  channels: CHANNELS,
  contextChannels: CONTEXT,
};

/** One positive and one negative row of the same latent, as a guided sampler batches them. */
const ROWS: BatchRow[] = [
  { role: 'cond', entry: 0, latent: 0, tokenIds: undefined },
  { role: 'uncond', entry: 0, latent: 0, tokenIds: undefined },
];
const BATCH = ROWS.length;
const N = HEIGHT * WIDTH;

const layer = {
  to_q: randomTensor([CHANNELS, CHANNELS], 1, 0.5),
  to_k: randomTensor([CHANNELS, CONTEXT], 2, 0.5),
  to_v: randomTensor([CHANNELS, CONTEXT], 3, 0.5),
  to_out: randomTensor([CHANNELS, CHANNELS], 4, 0.5),
  to_out_bias: randomTensor([CHANNELS], 5, 0.1),
};
const adapter = {
  to_k_ip: randomTensor([CHANNELS, CONTEXT], 6, 0.5),
  to_v_ip: randomTensor([CHANNELS, CONTEXT], 7, 0.5),
};
const hidden = randomTensor([BATCH, N, CHANNELS], 8);
const context = randomTensor([BATCH, TEXT_TOKENS, CONTEXT], 9);
const tokens = {
  cond: randomTensor([1, IP_TOKENS, CONTEXT], 10),
  uncond: randomTensor([1, IP_TOKENS, CONTEXT], 11),
};

/** The layer built by the UNet's own builder, with the image-prompt patch at `scale` (none: plain). */
async function runLayer(kernel: AttentionKernel, scale: number | undefined): Promise<Float32Array> {
  const b = OnnxBuilder.create({ name: 'attn2', opset: DEFAULT_UNET_OPSET });
  const weights = WeightMap.fromTensors('layer', {
    'attn2.to_q.weight': layer.to_q,
    'attn2.to_k.weight': layer.to_k,
    'attn2.to_v.weight': layer.to_v,
    'attn2.to_out.0.weight': layer.to_out,
    'attn2.to_out.0.bias': layer.to_out_bias,
  });
  // As ImagePromptAttention gets them: the adapter section's keys by processor order, fitted to the points.
  const section = new Map([
    [`${POINT.order}.to_k_ip.weight`, adapter.to_k_ip],
    [`${POINT.order}.to_v_ip.weight`, adapter.to_v_ip],
  ]);
  const entries = fittedEntries(decoupledWeights(section, 'ip-adapter'), [POINT], 'cross', {
    source: 'ip-adapter',
    needsScale: false,
  });
  const patches =
    scale === undefined
      ? []
      : [
          imagePromptPatch({
            id: 'ip',
            entries,
            tokens,
            scale,
            mask: { kind: 'none' },
            range: WHOLE_SCHEDULE,
          }),
        ];
  const io = new PatchIo(b);
  const x = b.input('hidden', 'float32', ['batch', N, CHANNELS]);
  const ctx = b.input('context', 'float32', ['batch', TEXT_TOKENS, CONTEXT]);
  const batch = b.op('Slice', [
    b.op('Shape', [x], {}, { dtype: 'int64' }),
    b.constInt64([0]),
    b.constInt64([1]),
  ]);
  const rows = inScope(b, new WeightScope(weights), ['attn2'], (w) =>
    attentionLayer(
      b,
      w,
      { kernel, patches, points: new Map([[POINT.id, POINT]]), io },
      {
        point: POINT,
        hiddenRows: b.op('Reshape', [x, b.constInt64([-1, CHANNELS])]),
        cross: { context: ctx, rows: b.op('Reshape', [ctx, b.constInt64([-1, CONTEXT])]) },
        batch,
        featureSize: () => b.constInt64([HEIGHT, WIDTH]),
      },
    ),
  );
  b.output(rows, 'out');
  // The patch's own run and step values, fed under the names its inputs got in the graph.
  const run: PatchRunInfo = {
    pass: 'sample',
    rows: ROWS,
    height: HEIGHT,
    width: WIDTH,
    contextTokens: TEXT_TOKENS,
    reference: undefined,
    log: SILENT_LOGGER,
  };
  const step = { run, index: 0, timestep: 500, sigma: undefined, previousOutputs: undefined };
  const values = Object.fromEntries(
    patches.flatMap((p) => Object.entries({ ...p.runInputs?.(run), ...p.stepInputs?.(step) })),
  );
  const feeds: Record<string, Tensor<'float32'>> = { hidden, context };
  for (const spec of io.inputs) feeds[spec.graphName] = values[spec.key] as Tensor<'float32'>;
  const out = await runModel(b.build(), feeds);
  return out.out?.data as Float32Array;
}

/** Multi-head attention of the queries over `from` [B, M, CONTEXT] through `toK` / `toV`. */
function attendOver(
  q: Tensor<'float32'>,
  from: Tensor<'float32'>,
  toK: Tensor<'float32'>,
  toV: Tensor<'float32'>,
): number[] {
  const m = from.shape[1] ?? 0;
  const project = (w: Tensor<'float32'>) =>
    tensorOf([BATCH, m, CHANNELS], linearRef(from.data, BATCH * m, w));
  return attentionRef(q, project(toK), project(toV), HEADS, 1 / Math.sqrt(CHANNELS / HEADS)).out;
}

function tensorOf(shape: number[], data: readonly number[]): Tensor<'float32'> {
  return new Tensor('float32', shape, Float32Array.from(data));
}

/** The decoupled attention, directly: cond tokens on the positive row, uncond on the negative one. */
function reference(scale: number): number[] {
  const q = tensorOf([BATCH, N, CHANNELS], linearRef(hidden.data, BATCH * N, layer.to_q));
  const text = attendOver(q, context, layer.to_k, layer.to_v);
  const perRow = ROWS.map((r) => (r.role === 'cond' ? tokens.cond : tokens.uncond).data);
  const ip = tensorOf(
    [BATCH, IP_TOKENS, CONTEXT],
    perRow.flatMap((d) => Array.from(d)),
  );
  const image = attendOver(q, ip, adapter.to_k_ip, adapter.to_v_ip);
  const merged = text.map((t, i) => t + scale * image[i]!);
  return linearRef(merged, BATCH * N, layer.to_out, layer.to_out_bias);
}

function maxError(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  return expected.reduce((m, e, i) => Math.max(m, Math.abs(actual[i]! - e)), 0);
}

describe('an IP-Adapter cross-attention layer', () => {
  it.each<AttentionKernel>(['fused', 'plain'])(
    'equals text attention plus scale times attention over the image tokens (%s kernel)',
    async (kernel) => {
      const scale = 0.7;
      const patched = await runLayer(kernel, scale);
      expect(maxError(patched, reference(scale))).toBeLessThan(1e-5);
      // The image tokens matter here: the test could not pass with the patch doing nothing.
      expect(maxError(patched, reference(0))).toBeGreaterThan(0.1);
    },
  );

  it('is the plain layer at scale 0', async () => {
    const plain = await runLayer('fused', undefined);
    expect(maxError(plain, reference(0))).toBeLessThan(1e-5);
    expect(maxError(await runLayer('fused', 0), Array.from(plain))).toBeLessThan(1e-6);
  });
});
