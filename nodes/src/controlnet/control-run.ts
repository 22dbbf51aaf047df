/**
 * @module
 * The ControlNets of one sampling run. At the start: check each fits the MODEL, resize and embed each
 * hint once, lease each ControlNet's session. Per UNet call: for every group of conditioning entries
 * sharing one application (ComfyUI batches entries by their `control`), run its chain on those rows
 * (earlier applications first, each skipped outside its start / end window, residuals summed), and
 * hand the UNet residuals for the whole batch, zeros on rows without a ControlNet.
 */
import type { Logger, NodeEnv, SessionLease, Tensor } from '@momaflow/engine';
import { concatBatch, sliceBatch } from '../diffusion/batch-tensors';
import { DIFFUSION_SESSIONS } from '../diffusion/diffusion-resources';
import type { Conditioning, ConditioningEntry } from '../diffusion/diffusion-types';
import { withModelSession } from '../diffusion/model-graphs';
import { type ControlResiduals, embedHint, hintDownscale, runControlNet } from '../models/controlnet';
import type { UnetModel } from '../models/unet';
import { type DiscreteSchedule, tToSigma } from '../samplers';
import { checkControlNetFits } from './check-fits';
import type { ControlApplication, ControlNetHandle } from './control-types';
import { type ControlWindow, controlWindow, isInWindow } from './control-window';
import { controlNetGraph } from './controlnet-graphs';
import { broadcastRows } from './hint-batch';
import { hintInput } from './hint-input';
import { addResiduals, zeroResiduals } from './residual-math';

/** One batched UNet call, as the CFG denoiser makes it. */
export interface ControlCall {
  /** The call's conditioning entries in row order; each has `batch` rows. */
  readonly entries: readonly ConditioningEntry[];
  readonly batch: number;
  /** The UNet's input [entries * batch, C, h, w] (scaled for the sigma). */
  readonly sample: Tensor<'float32'>;
  /** The UNet's `encoder_hidden_states` [entries * batch, tokens, dim]. */
  readonly context: Tensor<'float32'>;
  readonly timestep: number;
  /** The call's sigma; `undefined` in the timestep domain (then taken from the timestep). */
  readonly sigma: number | undefined;
}

/** Residuals for one call. */
export type ControlResidualSource = (call: ControlCall) => Promise<ControlResiduals>;

/** A started run: ask it per call, release it when the run ends. */
export interface ControlRun {
  readonly residuals: ControlResidualSource;
  release(): void;
}

/** Options of `startControlRun`. */
export interface ControlRunOptions {
  readonly env: NodeEnv;
  readonly model: UnetModel;
  /** Every entry the run's calls will hold. */
  readonly entries: Conditioning;
  /** The latent [batch, C, h, w] being sampled. */
  readonly latentShape: readonly number[];
  readonly schedule: DiscreteSchedule;
  readonly log: Logger;
  /** Names the node in messages. */
  readonly label: string;
}

type OrtSession = SessionLease['session'];

/** Every application of the entries, chains included, each once. */
function applicationsOf(entries: Conditioning): ControlApplication[] {
  const found = new Set<ControlApplication>();
  for (const entry of entries) {
    for (let app = entry.control; app !== undefined; app = app.previous) found.add(app);
  }
  return [...found];
}

function describe(handle: ControlNetHandle): string {
  return `ControlNet '${handle.name}'`;
}

/** Embed each application's hint at the latent's pixel size. */
async function embedHints(
  o: ControlRunOptions,
  apps: readonly ControlApplication[],
): Promise<Map<ControlApplication, Tensor<'float32'>>> {
  const [, , height = 0, width = 0] = o.latentShape;
  const out = new Map<ControlApplication, Tensor<'float32'>>();
  for (const app of apps) {
    const { model } = app.controlNet;
    const f = hintDownscale(model.config);
    const input = hintInput(
      app.hint,
      {
        width: width * f,
        height: height * f,
        channels: model.config.conditioningChannels,
        order: model.config.channelOrder,
        label: `${o.label}: ${describe(app.controlNet)}`,
      },
      o.log,
    );
    const graph = controlNetGraph(o.env, app.controlNet, 'hint');
    out.set(app, await withModelSession(o.env, graph, (s) => embedHint(s, input, model.origin)));
  }
  return out;
}

/** One session per ControlNet, leased for the run. */
async function leaseSessions(
  env: NodeEnv,
  handles: readonly ControlNetHandle[],
): Promise<{ sessions: Map<string, OrtSession>; leases: SessionLease[] }> {
  const sessions = new Map<string, OrtSession>();
  const leases: SessionLease[] = [];
  try {
    for (const handle of handles) {
      if (sessions.has(handle.key)) continue;
      const lease = await env.resource(DIFFUSION_SESSIONS).acquire(await controlNetGraph(env, handle, 'net'));
      leases.push(lease);
      sessions.set(handle.key, lease.session);
    }
  } catch (err) {
    for (const lease of leases) lease.release();
    throw err;
  }
  return { sessions, leases };
}

/** Rows of `t` belonging to entries `indices` (each `batch` rows), in that order. */
function rowsOf(t: Tensor<'float32'>, indices: readonly number[], batch: number): Tensor<'float32'> {
  if (indices.every((e, i) => e === i) && indices.length * batch === t.shape[0]) return t;
  return concatBatch(indices.map((e) => sliceBatch(t, e * batch, batch)));
}

/** Write a group's residuals into the full-batch ones at its entries' rows. */
function scatter(
  full: ControlResiduals,
  part: ControlResiduals,
  indices: readonly number[],
  batch: number,
): void {
  const copy = (into: Tensor<'float32'>, from: Tensor<'float32'>) => {
    const per = from.size / (from.shape[0] ?? 1);
    indices.forEach((e, i) => {
      into.data.set(from.data.subarray(i * batch * per, (i + 1) * batch * per), e * batch * per);
    });
  };
  for (const [i, d] of part.down.entries()) copy(full.down[i]!, d);
  copy(full.mid, part.mid);
}

/**
 * Start the ControlNets of a run, or `undefined` when no entry has one.
 * @throws EngineError `controlnet_model_mismatch` (a ControlNet for another base model), `invalid_image`
 * (a hint without pixels), and the ControlNet's load / run errors.
 * @example
 * const control = await startControlRun({ env, model, entries: [...negative, ...positive], latentShape, schedule, log, label: 'KSampler' });
 */
export async function startControlRun(o: ControlRunOptions): Promise<ControlRun | undefined> {
  const apps = applicationsOf(o.entries);
  if (apps.length === 0) return undefined;
  const handles = apps.map((a) => a.controlNet);
  for (const handle of handles) checkControlNetFits(handle, o.model, o.label);
  const embeddings = await embedHints(o, apps);
  const windows = new Map<ControlApplication, ControlWindow>(
    apps.map((a) => [a, controlWindow(o.schedule, a.startPercent, a.endPercent)]),
  );
  const { sessions, leases } = await leaseSessions(o.env, handles);
  const skips = o.model.layout.skips.length;

  const chain = async (
    app: ControlApplication,
    call: ControlCall,
    sigma: number,
    part: { sample: Tensor<'float32'>; context: Tensor<'float32'>; chunks: number },
  ): Promise<ControlResiduals | undefined> => {
    const previous = app.previous === undefined ? undefined : await chain(app.previous, call, sigma, part);
    if (!isInWindow(windows.get(app)!, sigma)) return previous;
    const rows = part.sample.shape[0] ?? 0;
    const own = await runControlNet(sessions.get(app.controlNet.key)!, {
      sample: part.sample,
      timestep: call.timestep,
      encoderHiddenStates: part.context,
      embedding: broadcastRows(embeddings.get(app)!, rows, part.chunks),
      scale: app.strength,
      skips,
      origin: app.controlNet.model.origin,
    });
    return previous === undefined ? own : addResiduals(previous, own);
  };

  const residuals: ControlResidualSource = async (call) => {
    const sigma = call.sigma ?? tToSigma(o.schedule, call.timestep);
    const groups = new Map<ControlApplication, number[]>();
    call.entries.forEach((entry, i) => {
      if (entry.control !== undefined) groups.set(entry.control, [...(groups.get(entry.control) ?? []), i]);
    });
    const rows = call.entries.length * call.batch;
    let full: ControlResiduals | undefined;
    for (const [app, indices] of groups) {
      const part = {
        sample: rowsOf(call.sample, indices, call.batch),
        context: rowsOf(call.context, indices, call.batch),
        chunks: indices.length,
      };
      const r = await chain(app, call, sigma, part);
      if (r === undefined) continue;
      if (indices.length === call.entries.length) return r;
      full ??= zeroResiduals(o.model.layout, {
        rows,
        height: call.sample.shape[2] ?? 0,
        width: call.sample.shape[3] ?? 0,
      });
      scatter(full, r, indices, call.batch);
    }
    return (
      full ??
      zeroResiduals(o.model.layout, {
        rows,
        height: call.sample.shape[2] ?? 0,
        width: call.sample.shape[3] ?? 0,
      })
    );
  };

  return {
    residuals,
    release: () => {
      for (const lease of leases) lease.release();
    },
  };
}
