/**
 * @module
 * The whole `UNet2DConditionModel.forward` of SD1.x (diffusers models/unets/unet_2d_condition.py) as
 * one ONNX graph: time embedding, conv_in, down blocks, optional ControlNet residuals, mid block, up
 * blocks, conv_norm_out / silu / conv_out, with the patches of the model applied at their hook points.
 */
import type { Conv3x3Setting, OnnxBuildOptions, OnnxModel, Value } from '@momaflow/engine';
import { conv2d, EngineError, groupNorm, OnnxBuilder, silu, timestepEmbedding } from '@momaflow/engine';
import { convWeights, inScope, linearWeights, normWeights, type WeightMap, WeightScope } from '../ldm-config';
import type { AttentionKernel, UnetBuildContext } from './build-context';
import { DOWN_BLOCKS } from './down-blocks';
import { gemmLinear } from './gemm-linear';
import { listHookPoints } from './hook-points';
import { unetMidBlock2dCrossAttn } from './mid-block';
import type { ModelPatch } from './model-patch';
import { type PatchInputSpec, PatchIo, type PatchOutputSpec } from './patch-io';
import type { UnetLayout } from './unet-layout';
import { UP_BLOCKS } from './up-blocks';

/** Graph-shaping options; part of the compiled-graph cache key. */
export interface UnetGraphOptions {
  /** Add ControlNet residual inputs (`down_block_additional_residuals.{i}`, `mid_block_additional_residual`). */
  readonly controlResiduals?: boolean;
  /** Default `'fused'`. */
  readonly attention?: AttentionKernel;
  /** Default-domain opset, 17 to 23. Default `DEFAULT_UNET_OPSET`. */
  readonly opset?: number;
  /** How ResNet 3x3 convs are computed. Default `'auto'`: Winograd at SD1.5's 320/640-channel levels (`resnet.ts`). */
  readonly conv3x3?: Conv3x3Setting;
}

/** Names of the graph's inputs and outputs. */
export interface UnetGraphIo {
  /** `down_block_additional_residuals.{i}`, one per skip, when built with `controlResiduals`. */
  readonly downResiduals: readonly string[];
  /** `mid_block_additional_residual`, when built with `controlResiduals`. */
  readonly midResidual: string | undefined;
  readonly patchInputs: readonly PatchInputSpec[];
  readonly patchOutputs: readonly PatchOutputSpec[];
}

/**
 * Opset 17: its GroupNorm is the InstanceNormalization decomposition. Opsets 20 and 21 (a Gelu node;
 * at 21 one GroupNormalization node) measured the same CPU time per SD1.5 step within the noise of a
 * shared machine (test/bench/unet.ts), and onnxruntime 1.30's shape inference after a
 * GroupNormalization-21 node breaks a later Resize whose `sizes` come from a feature map's shape, which
 * patches that resize masks to a layer need.
 */
export const DEFAULT_UNET_OPSET = 17;

/** Fixed graph input / output names. */
export const UNET_IO_NAMES = {
  sample: 'sample',
  timestep: 'timestep',
  encoderHiddenStates: 'encoder_hidden_states',
  noisePred: 'noise_pred',
} as const;

/** What `buildUnetGraph` needs. */
export interface UnetGraphInput {
  readonly layout: UnetLayout;
  readonly weights: WeightMap;
  readonly patches: readonly ModelPatch[];
  readonly options?: UnetGraphOptions;
  /** Serialization options (external data for the full-size model). */
  readonly build?: OnnxBuildOptions;
}

/** Throw when a patch declared inputs it has no method to feed, or reference outputs without a pass. */
function checkPatchFeeds(patch: ModelPatch, io: PatchIo): void {
  const declares = (per: 'run' | 'step') => io.inputs.some((i) => i.patchId === patch.id && i.per === per);
  const missing =
    declares('run') && patch.runInputs === undefined
      ? 'runInputs'
      : declares('step') && patch.stepInputs === undefined
        ? 'stepInputs'
        : undefined;
  if (missing !== undefined) {
    throw new EngineError(
      'patch_inputs_unfed',
      `patch '${patch.id}' declares graph inputs but has no ${missing}() to feed them`,
      { patchId: patch.id },
    );
  }
  if (
    patch.referencePass === undefined &&
    io.outputs.some((o) => o.patchId === patch.id && o.pass === 'reference')
  ) {
    throw new EngineError(
      'patch_reference_missing',
      `patch '${patch.id}' adds reference outputs but asks for no reference pass`,
      { patchId: patch.id },
    );
  }
}

/** Time embedding: `time_proj` (sinusoidal) -> `time_embedding` (linear_1, silu, linear_2). */
function timeEmbedding(
  b: OnnxBuilder,
  w: WeightScope,
  layout: UnetLayout,
  t: Value<'float32'>,
): Value<'float32'> {
  const { config, timeEmbedDim } = layout;
  const c0 = config.blockOutChannels[0] ?? 0;
  const proj = b.scope('time_proj', () =>
    timestepEmbedding(b, t, {
      dim: c0,
      flipSinToCos: config.flipSinToCos,
      downscaleFreqShift: config.freqShift,
    }),
  );
  return inScope(b, w, ['time_embedding'], (tw) => {
    const l1w = linearWeights(tw, 'linear_1', { inFeatures: c0, outFeatures: timeEmbedDim });
    const l2w = linearWeights(tw, 'linear_2', { inFeatures: timeEmbedDim, outFeatures: timeEmbedDim });
    return gemmLinear(b, l2w, silu(b, gemmLinear(b, l1w, proj, 'linear_1')), 'linear_2');
  });
}

/**
 * Build the UNet graph: inputs `sample` [B, C, H, W], `timestep` float [1 | B] (broadcast to B),
 * `encoder_hidden_states` [B, L, D] (any L), optional residuals; output `noise_pred` [B, C, H, W].
 * @example
 * const { model, io } = buildUnetGraph({ layout: unetLayout(config), weights, patches: [] });
 */
export function buildUnetGraph(input: UnetGraphInput): {
  readonly model: OnnxModel;
  readonly io: UnetGraphIo;
} {
  const { layout, patches } = input;
  const options = input.options ?? {};
  const config = layout.config;
  const b = OnnxBuilder.create({ name: 'unet', opset: options.opset ?? DEFAULT_UNET_OPSET });
  const w = new WeightScope(input.weights);
  const sample = b.input(UNET_IO_NAMES.sample, 'float32', ['batch', config.inChannels, 'height', 'width']);
  const timestep = b.input(UNET_IO_NAMES.timestep, 'float32', ['timesteps']);
  const context = b.input(UNET_IO_NAMES.encoderHiddenStates, 'float32', [
    'batch',
    'tokens',
    config.crossAttentionDim,
  ]);
  const downResiduals =
    options.controlResiduals === true
      ? layout.skips.map((s, i) =>
          b.input(`down_block_additional_residuals.${i}`, 'float32', [
            'batch',
            s.channels,
            `height/${s.resolution}`,
            `width/${s.resolution}`,
          ]),
        )
      : [];
  const midResidual =
    options.controlResiduals === true
      ? b.input('mid_block_additional_residual', 'float32', [
          'batch',
          layout.mid.channels,
          `height/${layout.mid.resolution}`,
          `width/${layout.mid.resolution}`,
        ])
      : undefined;

  const batch = b.op('Slice', [
    b.op('Shape', [sample], {}, { dtype: 'int64' }),
    b.constInt64([0]),
    b.constInt64([1]),
  ]);
  const t = b.op('Expand', [b.op('Reshape', [timestep, b.constInt64([-1])]), batch]);
  const temb = silu(b, timeEmbedding(b, w, layout, t));
  const io = new PatchIo(b);
  const points = new Map(listHookPoints(layout).map((p) => [p.id, p]));
  const c: UnetBuildContext = {
    b,
    layout,
    temb,
    context,
    contextRows: b.op('Reshape', [context, b.constInt64([-1, config.crossAttentionDim])]),
    batch,
    attention: { kernel: options.attention ?? 'fused', patches, points, io },
    conv3x3: options.conv3x3 ?? 'auto',
  };

  const c0 = config.blockOutChannels[0] ?? 0;
  let h = conv2d(
    b,
    convWeights(w, 'conv_in', { inChannels: config.inChannels, outChannels: c0, kernel: 3 }),
    sample,
    {
      padding: 1,
      name: 'conv_in',
    },
  );
  let skips: Value<'float32'>[] = [h];
  for (const plan of layout.down) {
    const r = inScope(b, w, ['down_blocks', plan.index], (bw) => DOWN_BLOCKS[plan.type](c, bw, h, plan));
    h = r.h;
    skips.push(...r.skips);
  }
  if (downResiduals.length > 0) {
    // diffusers adds residuals to the skip stack only; the mid block takes the unmodified sample.
    skips = skips.map((s, i) => b.op('Add', [s, downResiduals[i]!]));
  }
  h = inScope(b, w, ['mid_block'], (mw) => unetMidBlock2dCrossAttn(c, mw, h, layout.mid));
  if (midResidual !== undefined) h = b.op('Add', [h, midResidual]);
  for (const plan of layout.up) {
    const taken = skips.splice(-plan.resnetInChannels.length).reverse();
    const x = h;
    h = inScope(b, w, ['up_blocks', plan.index], (bw) =>
      UP_BLOCKS[plan.type](c, bw, { x, skips: taken, next: skips.at(-1) }, plan),
    );
  }
  h = groupNorm(b, normWeights(w, 'conv_norm_out', c0), h, {
    groups: config.normNumGroups,
    eps: config.normEps,
    name: 'conv_norm_out',
  });
  h = silu(b, h);
  const convOut = convWeights(w, 'conv_out', { inChannels: c0, outChannels: config.outChannels, kernel: 3 });
  h = conv2d(b, convOut, h, { padding: 1, name: 'conv_out' });
  b.output(h, UNET_IO_NAMES.noisePred, ['batch', config.outChannels, 'height', 'width']);

  for (const patch of patches) checkPatchFeeds(patch, io);
  return {
    model: b.build(input.build),
    io: {
      downResiduals: downResiduals.map((v) => v.name),
      midResidual: midResidual?.name,
      patchInputs: io.inputs,
      patchOutputs: io.outputs,
    },
  };
}
