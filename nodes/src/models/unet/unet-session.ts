/**
 * @module
 * Running a compiled UNet. A run (`startRun`) is a sequence of calls with one batch layout: it asks each
 * patch once for its run-constant inputs and sends them to the session once, then every call checks
 * the inputs, asks patches for their per-step values (with every patch's outputs of the previous
 * call, so iterative patches need no hidden state), runs the session and hands back the noise
 * prediction and the patches' outputs. `runReference` runs the one call a patch's reference pass
 * needs and returns only that patch's reference outputs.
 */
import type {
  ConstantFeeds,
  DType,
  Logger,
  OnnxSessionOptions,
  SessionCache,
  SessionLease,
} from '@momaflow/engine';
import {
  dict,
  EngineError,
  errorMessage,
  fromOrtTensor,
  SILENT_LOGGER,
  Tensor,
  toOrtTensor,
} from '@momaflow/engine';
import { featureExtent } from './hook-points';
import type {
  BatchRow,
  ModelPatch,
  PatchOutputs,
  PatchPass,
  PatchRunInfo,
  PatchStepInfo,
} from './model-patch';
import type { PatchInputSpec } from './patch-io';
import { UNET_IO_NAMES, type UnetGraphOptions } from './unet-graph';
import type { CompiledUnet, UnetGraphCache } from './unet-graph-cache';
import type { UnetModel } from './unet-model';

/** onnxruntime's tensor type, without depending on onnxruntime-node here. */
type OrtTensor = ReturnType<typeof toOrtTensor>;

/** Where a UNet call sits in its run (for patches' per-step values). */
export interface UnetStep {
  /** 0-based index of the call within the run. */
  readonly index: number;
  readonly sigma?: number;
}

/** One UNet call. */
export interface UnetRunInput {
  /** [B, in_channels, H, W] latents (already scaled for the sampler's sigma). */
  readonly sample: Tensor<'float32'>;
  /** One timestep for the whole batch, or one per batch entry ([B]). */
  readonly timestep: number | Tensor<'float32'> | Tensor<'int64'>;
  /** [B, L, cross_attention_dim]; any L. */
  readonly encoderHiddenStates: Tensor<'float32'>;
  /** ControlNet residuals, already scaled; needs a graph built with `controlResiduals`. */
  readonly controlResiduals?: {
    readonly down: readonly Tensor<'float32'>[];
    readonly mid: Tensor<'float32'>;
  };
  readonly step?: UnetStep;
}

/** Result of one call. */
export interface UnetRunResult {
  /** [B, out_channels, H, W]. */
  readonly noisePred: Tensor<'float32'>;
  readonly patchOutputs: PatchOutputs;
}

/** What a sampling run is. */
export interface UnetRunOptions {
  /** One per batch row of every call. */
  readonly rows: readonly BatchRow[];
  /** Latent height and width. */
  readonly height: number;
  readonly width: number;
  /** Tokens of `encoderHiddenStates` in every call. */
  readonly contextTokens: number;
  /** Reference-pass outputs of the patches that asked for one, by patch id. */
  readonly references?: PatchOutputs;
  /** Where patches report warnings. Default: silent. */
  readonly log?: Logger;
}

/** A run's calls, one after the other. End it to free its constants in the session. */
export interface UnetRun {
  run(input: UnetRunInput): Promise<UnetRunResult>;
  /** The last call's patch outputs (`undefined` before the first). */
  readonly lastOutputs: PatchOutputs | undefined;
  /** The masks patches made in the run so far (`ModelPatch.finalMask`), by patch id. */
  finalMasks(): Readonly<Record<string, Tensor<'float32'>>>;
  /** Idempotent. */
  end(): Promise<void>;
}

/** Options of `UnetSession.open`. */
export interface UnetSessionOptions {
  readonly model: UnetModel;
  readonly graphs: UnetGraphCache;
  readonly sessions: SessionCache;
  readonly graph?: UnetGraphOptions;
  readonly session?: OnnxSessionOptions;
}

/** A run's fixed part: what patches were told and what stays in the session. */
interface RunState {
  readonly info: Map<string, PatchRunInfo>;
  readonly constants: ConstantFeeds | undefined;
  readonly fetches: readonly string[];
}

/** ControlNet residuals that add nothing, for a batch-1 call on an `height` x `width` latent. */
function zeroResiduals(model: UnetModel, height: number, width: number): UnetRunInput['controlResiduals'] {
  const zeros = (channels: number, resolution: number) =>
    Tensor.zeros('float32', [
      1,
      channels,
      featureExtent(height, resolution),
      featureExtent(width, resolution),
    ]);
  const { skips, mid } = model.layout;
  return {
    down: skips.map((s) => zeros(s.channels, s.resolution)),
    mid: zeros(mid.channels, mid.resolution),
  };
}

/** Rows of a batch whose rows all denoise their own latent with one positive entry. */
function plainRows(batch: number): BatchRow[] {
  return Array.from({ length: batch }, (_, latent) => ({
    role: 'cond',
    entry: 0,
    latent,
    tokenIds: undefined,
  }));
}

function timestepTensor(t: UnetRunInput['timestep'], batch: number): Tensor<'float32'> {
  if (typeof t === 'number') return new Tensor('float32', [1], Float32Array.of(t));
  if (t.size !== 1 && t.size !== batch) {
    throw new EngineError(
      'invalid_input',
      `'timestep' has ${t.size} values; give 1 or one per batch entry (${batch})`,
    );
  }
  const values = t.dtype === 'int64' ? Float32Array.from(t.data, Number) : t.data;
  return new Tensor('float32', [t.size], values);
}

function expectShape(name: string, t: Tensor<DType>, expected: readonly (number | undefined)[]): void {
  const ok = t.rank === expected.length && expected.every((d, i) => d === undefined || d === t.shape[i]);
  if (!ok) {
    const want = expected.map((d) => d ?? '*').join(', ');
    throw new EngineError(
      'invalid_input',
      `'${name}' has shape [${t.shape.join(', ')}], expected [${want}]`,
      {
        input: name,
      },
    );
  }
}

/** Check a patch's values against what it declared and turn them into feeds. */
function patchFeeds(
  patch: ModelPatch,
  specs: readonly PatchInputSpec[],
  values: Readonly<Record<string, Tensor<DType>>>,
  feeds: Record<string, OrtTensor>,
): void {
  for (const spec of specs) {
    const t = values[spec.key];
    if (t === undefined || t.dtype !== spec.dtype || t.rank !== spec.shape.length) {
      const got = t === undefined ? 'nothing' : `${t.dtype} [${t.shape.join(', ')}]`;
      throw new EngineError(
        'patch_input_invalid',
        `patch '${patch.id}' gave ${got} for input '${spec.key}', expected ${spec.dtype} [${spec.shape.join(', ')}]`,
        { patchId: patch.id, key: spec.key },
      );
    }
    feeds[spec.graphName] = toOrtTensor(t);
  }
}

/**
 * A leased session of one compiled UNet. Release it when the sampling run ends.
 * @example
 * const unet = await UnetSession.open({ model, graphs, sessions });
 * try {
 *   const run = await unet.startRun({ rows, height: 64, width: 64 });
 *   const { noisePred } = await run.run({ sample, timestep: 999, encoderHiddenStates: context });
 *   await run.end();
 * } finally {
 *   unet.release();
 * }
 */
export class UnetSession {
  /** The MODEL being run: its patches give the inputs (the cached graph may come from an equal one). */
  readonly model: UnetModel;
  readonly compiled: CompiledUnet;
  readonly #lease: SessionLease;

  private constructor(model: UnetModel, compiled: CompiledUnet, lease: SessionLease) {
    this.model = model;
    this.compiled = compiled;
    this.#lease = lease;
  }

  static async open(o: UnetSessionOptions): Promise<UnetSession> {
    const compiled = await o.graphs.compile(o.model, o.graph);
    return new UnetSession(o.model, compiled, await o.sessions.acquire(compiled.source, o.session));
  }

  /** Start a sampling run: patches' run-constant inputs go to the session once. */
  async startRun(o: UnetRunOptions): Promise<UnetRun> {
    const fetches = [
      UNET_IO_NAMES.noisePred,
      ...this.compiled.io.patchOutputs.filter((s) => s.pass === 'sample').map((s) => s.graphName),
    ];
    const state = await this.#startRun('sample', o, fetches);
    let previous: PatchOutputs | undefined;
    let ended = false;
    return {
      run: async (input) => {
        if (ended) throw new EngineError('run_ended', 'this UNet run has ended');
        const out = await this.#call(state, input, previous);
        const noise = out[UNET_IO_NAMES.noisePred];
        if (noise === undefined) {
          throw new EngineError('missing_output', `the UNet graph returned no '${UNET_IO_NAMES.noisePred}'`);
        }
        const patchOutputs = this.#patchOutputs(out, 'sample');
        previous = patchOutputs;
        return { noisePred: fromOrtTensor(noise, 'float32'), patchOutputs };
      },
      get lastOutputs() {
        return previous;
      },
      finalMasks: () => {
        const masks = dict<Tensor<'float32'>>();
        for (const patch of this.model.patches) {
          const mask = patch.finalMask?.(state.info.get(patch.id)!, previous);
          if (mask !== undefined) masks[patch.id] = mask;
        }
        return masks;
      },
      end: async () => {
        if (ended) return;
        ended = true;
        await state.constants?.release();
      },
    };
  }

  /**
   * Run the reference pass `patch.referencePass` asks for (batch 1, the other patches told
   * `pass: 'reference'`) and return the patch's reference outputs by key.
   */
  async runReference(patchId: string): Promise<Readonly<Record<string, Tensor<DType>>>> {
    const patch = this.model.patches.find((p) => p.id === patchId);
    const request = patch?.referencePass;
    if (request === undefined) {
      throw new EngineError('invalid_input', `patch '${patchId}' of this model asks for no reference pass`);
    }
    const specs = this.compiled.io.patchOutputs.filter(
      (s) => s.patchId === patchId && s.pass === 'reference',
    );
    const [, , height = 0, width = 0] = request.sample.shape;
    const run = { rows: plainRows(1), height, width, contextTokens: request.context.shape[1] ?? 0 };
    const state = await this.#startRun(
      'reference',
      run,
      specs.map((s) => s.graphName),
    );
    const input: UnetRunInput = {
      sample: request.sample,
      timestep: request.timestep,
      encoderHiddenStates: request.context,
    };
    try {
      // A graph built for ControlNet takes residuals; the reference pass adds none.
      const controlResiduals =
        this.compiled.io.midResidual === undefined ? undefined : zeroResiduals(this.model, height, width);
      const out = await this.#call(
        state,
        { ...input, ...(controlResiduals && { controlResiduals }) },
        undefined,
      );
      return this.#patchOutputs(out, 'reference')[patchId] ?? {};
    } finally {
      await state.constants?.release();
    }
  }

  /** One call in a run of its own, every row a latent of the positive side. */
  async run(input: UnetRunInput): Promise<UnetRunResult> {
    const [batch = 0, , height = 0, width = 0] = input.sample.shape;
    const contextTokens = input.encoderHiddenStates.shape[1] ?? 0;
    const run = await this.startRun({ rows: plainRows(batch), height, width, contextTokens });
    try {
      return await run.run(input);
    } finally {
      await run.end();
    }
  }

  /** Hand the session back to the cache. Idempotent. */
  release(): void {
    this.#lease.release();
  }

  async #startRun(pass: PatchPass, o: UnetRunOptions, fetches: readonly string[]): Promise<RunState> {
    const { io } = this.compiled;
    const info = new Map<string, PatchRunInfo>();
    const feeds = dict<OrtTensor>();
    for (const patch of this.model.patches) {
      const runInfo: PatchRunInfo = {
        pass,
        rows: o.rows,
        height: o.height,
        width: o.width,
        contextTokens: o.contextTokens,
        reference: pass === 'sample' ? o.references?.[patch.id] : undefined,
        log: o.log ?? SILENT_LOGGER,
      };
      info.set(patch.id, runInfo);
      const specs = io.patchInputs.filter((s) => s.patchId === patch.id && s.per === 'run');
      if (specs.length > 0) patchFeeds(patch, specs, patch.runInputs?.(runInfo) ?? {}, feeds);
    }
    const constants =
      Object.keys(feeds).length > 0 ? await this.#lease.session.uploadConstants(feeds) : undefined;
    return { info, constants, fetches };
  }

  async #call(
    state: RunState,
    input: UnetRunInput,
    previous: PatchOutputs | undefined,
  ): Promise<Record<string, OrtTensor>> {
    const { config } = this.model;
    const batch = input.sample.shape[0] ?? 0;
    expectShape('sample', input.sample, [undefined, config.inChannels, undefined, undefined]);
    expectShape('encoderHiddenStates', input.encoderHiddenStates, [
      batch,
      undefined,
      config.crossAttentionDim,
    ]);
    // Rows mean something only to patches; an unpatched model takes any batch in a run (regional
    // conditioning batches each call by region).
    const rows = state.info.values().next().value?.rows;
    if (rows !== undefined && rows.length !== batch) {
      throw new EngineError('invalid_input', `the run has ${rows.length} batch rows; 'sample' has ${batch}`);
    }
    const timestep = timestepTensor(input.timestep, batch);
    const feeds: Record<string, OrtTensor> = {
      [UNET_IO_NAMES.sample]: toOrtTensor(input.sample),
      [UNET_IO_NAMES.timestep]: toOrtTensor(timestep),
      [UNET_IO_NAMES.encoderHiddenStates]: toOrtTensor(input.encoderHiddenStates),
    };
    this.#feedResiduals(feeds, input.controlResiduals);
    this.#feedWeightInputs(feeds);
    for (const patch of this.model.patches) {
      const specs = this.compiled.io.patchInputs.filter((s) => s.patchId === patch.id && s.per === 'step');
      if (specs.length === 0) continue;
      const step: PatchStepInfo = {
        run: state.info.get(patch.id)!,
        index: input.step?.index ?? 0,
        timestep: timestep.data[0] ?? 0,
        sigma: input.step?.sigma,
        previousOutputs: previous,
      };
      patchFeeds(patch, specs, patch.stepInputs?.(step) ?? {}, feeds);
    }
    try {
      return await this.#lease.session.run(feeds, state.fetches, state.constants);
    } catch (cause) {
      throw new EngineError(
        'unet_run_failed',
        `the UNet graph failed on sample [${input.sample.shape.join(', ')}]: ${errorMessage(cause)}`,
        { key: this.compiled.key },
        { cause },
      );
    }
  }

  #patchOutputs(out: Record<string, OrtTensor>, pass: PatchPass): PatchOutputs {
    const patchOutputs = dict<Record<string, Tensor<DType>>>();
    for (const spec of this.compiled.io.patchOutputs) {
      const value = out[spec.graphName];
      if (spec.pass !== pass || value === undefined) continue;
      patchOutputs[spec.patchId] ??= dict();
      patchOutputs[spec.patchId]![spec.key] = fromOrtTensor(value);
    }
    return patchOutputs;
  }

  #feedResiduals(feeds: Record<string, OrtTensor>, residuals: UnetRunInput['controlResiduals']): void {
    const { io } = this.compiled;
    if (residuals === undefined) {
      if (io.midResidual !== undefined) {
        throw new EngineError(
          'invalid_input',
          'this UNet graph was built with ControlNet residuals; pass them',
        );
      }
      return;
    }
    if (io.midResidual === undefined) {
      throw new EngineError(
        'invalid_input',
        "ControlNet residuals need a graph built with 'controlResiduals: true'",
      );
    }
    if (residuals.down.length !== io.downResiduals.length) {
      throw new EngineError(
        'invalid_input',
        `expected ${io.downResiduals.length} down residuals, got ${residuals.down.length}`,
      );
    }
    io.downResiduals.forEach((name, i) => {
      feeds[name] = toOrtTensor(residuals.down[i]!);
    });
    feeds[io.midResidual] = toOrtTensor(residuals.mid);
  }

  #feedWeightInputs(feeds: Record<string, OrtTensor>): void {
    for (const name of this.compiled.io.weightInputs) {
      const value = this.model.weights.inputs?.[name];
      if (value === undefined) {
        throw new EngineError(
          'invalid_input',
          `the UNet graph takes weight input '${name}', which ${this.model.weights.origin} does not give`,
        );
      }
      feeds[name] = toOrtTensor(value);
    }
  }
}
