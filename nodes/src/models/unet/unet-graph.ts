/**
 * @module
 * The whole `UNet2DConditionModel.forward` of SD1.x (diffusers models/unets/unet_2d_condition.py) as
 * one ONNX graph: time embedding, conv_in, down blocks, optional ControlNet residuals, mid block, up
 * blocks, conv_norm_out / silu / conv_out, with the patches of the model applied at their hook points.
 */
import type { Conv3x3Setting, OnnxBuildOptions, OnnxModel } from '@momaflow/engine';
import { conv2d, EngineError, groupNorm, OnnxBuilder, silu } from '@momaflow/engine';
import {
  convWeights,
  inScope,
  LowRankInputs,
  normWeights,
  type WeightMap,
  WeightScope,
  withConvDeltas,
} from '../ldm-config';
import type { AttentionKernel } from './build-context';
import { unetMidBlock2dCrossAttn } from './mid-block';
import type { ModelPatch } from './model-patch';
import type { PatchInputSpec, PatchIo, PatchOutputSpec } from './patch-io';
import type { UnetLayout } from './unet-layout';
import {
  UNET_STEM_INPUT_NAMES,
  unetBuildContext,
  unetConvIn,
  unetDownPath,
  unetStemInputs,
} from './unet-stem';
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
  /** Strength inputs (float [1]) of the weights' low-rank deltas, fed from `UnetWeightSource.inputs`. */
  readonly weightInputs: readonly string[];
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
  ...UNET_STEM_INPUT_NAMES,
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
  const lowRank = new LowRankInputs(b, input.weights.deltas());
  const w = new WeightScope(input.weights, '', lowRank);
  const inputs = unetStemInputs(b, layout);
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

  const c = unetBuildContext(b, w, layout, inputs, {
    attention: options.attention ?? 'fused',
    patches,
    conv3x3: options.conv3x3 ?? 'auto',
  });
  const io = c.attention.io;
  const c0 = config.blockOutChannels[0] ?? 0;
  const down = unetDownPath(c, w, unetConvIn(c, w, inputs.sample));
  let h = down.h;
  let skips = [...down.skips];
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
  h = withConvDeltas(b, convOut, h, conv2d(b, convOut, h, { padding: 1, name: 'conv_out' }), {
    padding: 1,
    name: 'conv_out',
  });
  lowRank.assertAllBound(`the UNet graph of ${input.weights.source}`);
  b.output(h, UNET_IO_NAMES.noisePred, ['batch', config.outChannels, 'height', 'width']);

  for (const patch of patches) checkPatchFeeds(patch, io);
  return {
    model: b.build(input.build),
    io: {
      downResiduals: downResiduals.map((v) => v.name),
      midResidual: midResidual?.name,
      patchInputs: io.inputs,
      patchOutputs: io.outputs,
      weightInputs: lowRank.inputNames,
    },
  };
}
