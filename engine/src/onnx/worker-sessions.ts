/**
 * @module
 * onnxruntime sessions that live in one worker thread (`session-worker.mjs`), so that a UNet step or
 * a VAE decode, which is synchronous native code inside onnxruntime-node's `run`, never holds the
 * main thread's event loop. Feeds are copied to the worker; outputs come back by transfer. Feeds that
 * stay the same over many runs (a patch's reference K/V: about 90 MB per row for SD1.5 at 512x512)
 * can be sent once as constant feeds and named by each run. The worker is started on first use and
 * does not keep the process alive while no call is in flight.
 */
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { EngineError } from '../errors/engine-error';
import type { WireTensor, WorkerReply, WorkerRequest } from './session-worker-protocol';

/** Feeds kept where the session runs, added to every run that names them. */
export interface ConstantFeeds {
  readonly names: readonly string[];
  /** Free them. Idempotent. */
  release(): Promise<void>;
}

/** A session as the engine runs it, wherever it lives. */
export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Run with `feeds` plus the `constants`' (a name in both takes the value in `feeds`); `fetches`
   * limits the outputs computed and returned.
   */
  run(
    feeds: Readonly<Record<string, ort.Tensor>>,
    fetches?: readonly string[],
    constants?: ConstantFeeds,
  ): Promise<Record<string, ort.Tensor>>;
  /** Send feeds that stay the same over many runs once; release them when the runs are over. */
  uploadConstants(feeds: Readonly<Record<string, ort.Tensor>>): Promise<ConstantFeeds>;
  release(): Promise<void>;
}

/** Options of `WorkerSessions.create`. */
export interface WorkerSessionsOptions {
  /** Called when the worker dies: every session it held is gone. */
  readonly onLost?: (reason: string) => void;
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(err: Error): void;
}

type RequestBody = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, 'callId'>
    : never
  : never;

const WORKER_URL = new URL('./session-worker.mjs', import.meta.url);

/** A feed as its own buffer: cloning a view would copy the whole buffer it views. */
function toWire(t: ort.Tensor): WireTensor {
  const data = t.data as ort.Tensor.DataType & ArrayBufferView;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return { type: t.type, dims: [...t.dims], data: whole ? data : (data.slice() as ort.Tensor.DataType) };
}

const fromWire = (w: WireTensor): ort.Tensor => new ort.Tensor(w.type, w.data as never, [...w.dims]);

/**
 * @example
 * const host = WorkerSessions.create();
 * const session = await host.createSession('/models/unet.onnx', { executionProviders: ['cpu'] });
 * const out = await session.run({ x: toOrtTensor(x) });
 */
export class WorkerSessions {
  #worker: Worker | undefined;
  /** Bumped when a worker dies, so sessions of an earlier worker refuse to run. */
  #generation = 0;
  #nextCall = 1;
  #nextSession = 1;
  #nextConstants = 1;
  /** The worker-side id of constant feeds this host uploaded. */
  readonly #constantIds = new WeakMap<ConstantFeeds, number>();
  readonly #pending = new Map<number, Pending>();
  readonly #onLost: ((reason: string) => void) | undefined;

  private constructor(o: WorkerSessionsOptions) {
    this.#onLost = o.onLost;
  }

  static create(options: WorkerSessionsOptions = {}): WorkerSessions {
    return new WorkerSessions(options);
  }

  /** Create a session in the worker from a model path or the model's bytes. */
  async createSession(
    target: string | Uint8Array,
    options: ort.InferenceSession.SessionOptions,
  ): Promise<OnnxSession> {
    const sessionId = this.#nextSession++;
    const reply = await this.#call({ op: 'create', sessionId, target, options });
    const { inputNames, outputNames } = (reply as { result: { inputNames: string[]; outputNames: string[] } })
      .result;
    const generation = this.#generation;
    const alive = () => generation === this.#generation;
    return {
      inputNames,
      outputNames,
      run: async (feeds, fetches, constants) => {
        if (!alive()) {
          throw new EngineError('session_lost', 'the onnxruntime worker stopped; this session is gone');
        }
        const constantsId = constants === undefined ? undefined : this.#constantIds.get(constants);
        if (constants !== undefined && constantsId === undefined) {
          throw new EngineError(
            'invalid_input',
            'these constant feeds were not uploaded by this session host',
          );
        }
        const wire = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toWire(v)]));
        const out = await this.#call({
          op: 'run',
          sessionId,
          feeds: wire,
          ...(fetches === undefined ? {} : { fetches: [...fetches] }),
          ...(constantsId === undefined ? {} : { constantsId }),
        });
        const outputs = (out as { outputs: Record<string, WireTensor> }).outputs;
        return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, fromWire(v)]));
      },
      uploadConstants: (feeds) => this.#uploadConstants(feeds),
      release: async () => {
        if (!alive()) return;
        await this.#call({ op: 'release', sessionId });
      },
    };
  }

  async #uploadConstants(feeds: Readonly<Record<string, ort.Tensor>>): Promise<ConstantFeeds> {
    const constantsId = this.#nextConstants++;
    const wire = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toWire(v)]));
    await this.#call({ op: 'constants', constantsId, feeds: wire });
    const generation = this.#generation;
    let held = true;
    const handle: ConstantFeeds = {
      names: Object.keys(feeds),
      release: async () => {
        if (!held) return;
        held = false;
        // A worker that died took them with it.
        if (generation === this.#generation) await this.#call({ op: 'dropConstants', constantsId });
      },
    };
    this.#constantIds.set(handle, constantsId);
    return handle;
  }

  /** Stop the worker; its sessions are gone. */
  async dispose(): Promise<void> {
    const worker = this.#worker;
    this.#detach('the session cache was disposed');
    if (worker !== undefined) await worker.terminate();
  }

  #call(body: RequestBody): Promise<WorkerReply> {
    const worker = this.#ensureWorker();
    const callId = this.#nextCall++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.#pending.set(callId, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...body, callId } as WorkerRequest);
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(WORKER_URL);
    worker.on('message', (reply: WorkerReply) => this.#settle(worker, reply));
    worker.on('error', (err) => this.#lost(worker, `the onnxruntime worker failed: ${err.message}`));
    worker.on('exit', (code) => this.#lost(worker, `the onnxruntime worker exited with code ${code}`));
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #settle(worker: Worker, reply: WorkerReply): void {
    const pending = this.#pending.get(reply.callId);
    this.#pending.delete(reply.callId);
    if (this.#pending.size === 0) worker.unref();
    if (pending === undefined) return;
    if (reply.ok) pending.resolve(reply);
    else pending.reject(new Error(reply.message));
  }

  #lost(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return; // disposed on purpose, or already handled
    this.#detach(reason);
    this.#onLost?.(reason);
  }

  /** Forget the worker: its sessions stop working and calls still waiting on it fail with `reason`. */
  #detach(reason: string): void {
    this.#worker = undefined;
    this.#generation++;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(new EngineError('session_lost', reason));
  }
}
