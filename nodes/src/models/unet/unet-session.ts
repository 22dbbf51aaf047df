/**
 * @module
 * Running a compiled UNet: check the inputs, ask each patch for its per-step values, run the session,
 * and hand back the noise prediction and each patch's outputs (which the sampler passes to the next
 * call as `step.previous`, so iterative patches need no hidden state).
 */
import type { DType, OnnxSessionOptions, SessionCache, SessionLease } from '@momaflow/engine';
import { dict, EngineError, errorMessage, fromOrtTensor, Tensor, toOrtTensor } from '@momaflow/engine';
import type { PatchStepInfo } from './model-patch';
import { UNET_IO_NAMES, type UnetGraphOptions } from './unet-graph';
import type { CompiledUnet, UnetGraphCache } from './unet-graph-cache';
import type { UnetModel } from './unet-model';

/** onnxruntime's tensor type, without depending on onnxruntime-node here. */
type OrtTensor = ReturnType<typeof toOrtTensor>;

/** Graph outputs of every patch, by patch id, then by the key the patch gave them. */
export type PatchOutputs = Readonly<Record<string, Readonly<Record<string, Tensor<DType>>>>>;

/** Where a UNet call sits in the sampling run (for patches' per-step values). */
export interface UnetStep {
  /** 0-based index of the call within the run. */
  readonly index: number;
  readonly sigma?: number;
  /** `patchOutputs` of the previous call of the same run. */
  readonly previous?: PatchOutputs;
}

/** One UNet call. */
export interface UnetRunInput {
  /** [B, in_channels, H, W] latents (already scaled for the sampler's sigma). */
  readonly sample: Tensor<'float32'>;
  /** One timestep for the whole batch, or one per batch entry ([B]). */
  readonly timestep: number | Tensor<'float32'> | Tensor<'int64'>;
  /** [B, L, cross_attention_dim]; any L (MoMA appends 4 image tokens to 77). */
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

/** Options of `UnetSession.open`. */
export interface UnetSessionOptions {
  readonly model: UnetModel;
  readonly graphs: UnetGraphCache;
  readonly sessions: SessionCache;
  readonly graph?: UnetGraphOptions;
  readonly session?: OnnxSessionOptions;
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

/**
 * A leased session of one compiled UNet. Release it when the sampling run ends.
 * @example
 * const unet = await UnetSession.open({ model, graphs, sessions });
 * try {
 *   const { noisePred } = await unet.run({ sample, timestep: 999, encoderHiddenStates: context });
 * } finally {
 *   unet.release();
 * }
 */
export class UnetSession {
  /** The MODEL being run: its patches give the per-step inputs (the cached graph may come from an equal one). */
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

  /** Run one UNet call. */
  async run(input: UnetRunInput): Promise<UnetRunResult> {
    const { config } = this.model;
    const batch = input.sample.shape[0] ?? 0;
    expectShape('sample', input.sample, [undefined, config.inChannels, undefined, undefined]);
    expectShape('encoderHiddenStates', input.encoderHiddenStates, [
      batch,
      undefined,
      config.crossAttentionDim,
    ]);
    const timestep = timestepTensor(input.timestep, batch);
    const feeds: Record<string, OrtTensor> = {
      [UNET_IO_NAMES.sample]: toOrtTensor(input.sample),
      [UNET_IO_NAMES.timestep]: toOrtTensor(timestep),
      [UNET_IO_NAMES.encoderHiddenStates]: toOrtTensor(input.encoderHiddenStates),
    };
    this.#feedResiduals(feeds, input.controlResiduals);
    this.#feedPatches(feeds, input, timestep.data[0] ?? 0);
    let out: Record<string, OrtTensor>;
    try {
      out = await this.#lease.session.run(feeds);
    } catch (cause) {
      throw new EngineError(
        'unet_run_failed',
        `the UNet graph failed on sample [${input.sample.shape.join(', ')}]: ${errorMessage(cause)}`,
        { key: this.compiled.key },
        { cause },
      );
    }
    const noise = out[UNET_IO_NAMES.noisePred];
    if (noise === undefined)
      throw new EngineError('missing_output', `the UNet graph returned no 'noise_pred'`);
    const patchOutputs = dict<Record<string, Tensor<DType>>>();
    for (const spec of this.compiled.io.patchOutputs) {
      const value = out[spec.graphName];
      if (value === undefined) continue;
      patchOutputs[spec.patchId] ??= dict();
      patchOutputs[spec.patchId]![spec.key] = fromOrtTensor(value);
    }
    return { noisePred: fromOrtTensor(noise, 'float32'), patchOutputs };
  }

  /** Hand the session back to the cache. Idempotent. */
  release(): void {
    this.#lease.release();
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

  #feedPatches(feeds: Record<string, OrtTensor>, input: UnetRunInput, timestep: number): void {
    const { io } = this.compiled;
    for (const patch of this.model.patches) {
      const specs = io.patchInputs.filter((s) => s.patchId === patch.id);
      if (specs.length === 0) continue;
      const info: PatchStepInfo = {
        index: input.step?.index ?? 0,
        timestep,
        sigma: input.step?.sigma,
        batch: input.sample.shape[0] ?? 0,
        height: input.sample.shape[2] ?? 0,
        width: input.sample.shape[3] ?? 0,
        previousOutputs: input.step?.previous?.[patch.id],
      };
      const values = patch.stepInputs?.(info) ?? {};
      for (const spec of specs) {
        const t = values[spec.key];
        const want = `${spec.dtype} [${spec.shape.join(', ')}]`;
        if (t === undefined || t.dtype !== spec.dtype || t.rank !== spec.shape.length) {
          const got = t === undefined ? 'nothing' : `${t.dtype} [${t.shape.join(', ')}]`;
          throw new EngineError(
            'patch_input_invalid',
            `patch '${patch.id}' gave ${got} for input '${spec.key}', expected ${want}`,
            { patchId: patch.id, key: spec.key },
          );
        }
        feeds[spec.graphName] = toOrtTensor(t);
      }
    }
  }
}
