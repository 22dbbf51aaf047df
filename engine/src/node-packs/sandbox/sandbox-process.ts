/**
 * @module
 * One pack's sandbox process, seen from the server: spawns it, waits for it to describe its pack,
 * sends calls and routes replies, progress and logs back. If the process dies, waiting calls fail
 * naming the pack and the next call starts a fresh process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { EngineError, errorMessage } from '../../errors/engine-error';
import type { Logger } from '../../log/logger';
import type { PreviewImage } from '../../node-api/node-definition';
import { type ChildMessage, type ParentMessage, type SandboxError, zChildMessage } from './sandbox-protocol';
import { createFrameReader, decodeFrame, encodeMessage, frameChunks } from './wire-codec';

export type ReadyPack = Extract<ChildMessage, { type: 'ready' }>['pack'];

export interface CallHandlers {
  readonly signal?: AbortSignal;
  readonly progress?: (value: number, max: number, preview?: PreviewImage) => void;
}

export interface SandboxProcessOptions {
  readonly packId: string;
  /** Node's arguments (permission flags, script, child argv). */
  readonly args: readonly string[];
  readonly cwd: string;
  readonly log: Logger;
  /** Turns an error the child reported into the error callers see. */
  readonly toError: (error: SandboxError) => Error;
  readonly readyTimeoutMs?: number;
  /** How long an interrupted call may take to stop before the process is killed (default 5 s). */
  readonly abortGraceMs?: number;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly handlers: CallHandlers;
}

interface Running {
  readonly child: ChildProcess;
  readonly channel: Writable;
  readonly ready: Promise<ReadyPack>;
}

const STDERR_TAIL = 2000;

export class SandboxProcess {
  readonly #options: SandboxProcessOptions;
  readonly #pending = new Map<number, Pending>();
  /** Interrupted calls the child has not answered yet, with the timer that kills it if it never does. */
  readonly #aborted = new Map<number, NodeJS.Timeout>();
  #running: Running | undefined;
  #nextCall = 0;
  #disposed = false;

  constructor(options: SandboxProcessOptions) {
    this.#options = options;
  }

  /** Starts the process if needed and resolves with what the pack provides. */
  start(): Promise<ReadyPack> {
    if (this.#disposed)
      return Promise.reject(
        new EngineError(
          'node_pack_sandbox_closed',
          `node pack '${this.#options.packId}': its sandbox was closed`,
        ),
      );
    this.#running ??= this.#spawn();
    return this.#running.ready;
  }

  async call(
    message: Omit<Extract<ParentMessage, { type: 'call' }>, 'call' | 'type'>,
    handlers: CallHandlers = {},
  ): Promise<unknown> {
    await this.start();
    const running = this.#running;
    if (!running)
      throw new EngineError(
        'node_pack_sandbox_exited',
        `node pack '${this.#options.packId}': its sandbox process is not running`,
      );
    handlers.signal?.throwIfAborted();
    const call = this.#nextCall++;
    const chunks = frameChunks(encodeMessage({ ...message, type: 'call', call }));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(call);
        this.#write(running.channel, frameChunks(encodeMessage({ type: 'abort', call })));
        // A node that ignores the abort (a busy loop) is stopped with its process; the next call starts a new one.
        const kill = setTimeout(() => running.child.kill('SIGKILL'), this.#options.abortGraceMs ?? 5000);
        this.#aborted.set(call, kill);
        reject(handlers.signal?.reason ?? new DOMException('interrupted', 'AbortError'));
      };
      handlers.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => handlers.signal?.removeEventListener('abort', onAbort);
      this.#pending.set(call, {
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (err) => {
          done();
          reject(err);
        },
        handlers,
      });
      this.#write(running.channel, chunks);
    });
  }

  /** Closes the channel (the child exits) and kills the process if it lingers. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    const running = this.#running;
    if (!running) return;
    const exited = new Promise<void>((resolve) => {
      if (running.child.exitCode !== null || running.child.signalCode !== null) resolve();
      else running.child.once('exit', () => resolve());
    });
    running.channel.end();
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  #settleAborted(call: number): void {
    clearTimeout(this.#aborted.get(call));
    this.#aborted.delete(call);
  }

  #write(channel: Writable, chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) channel.write(chunk);
  }

  #spawn(): Running {
    const { packId, log } = this.#options;
    const child = spawn(process.execPath, [...this.#options.args], {
      cwd: this.#options.cwd,
      // Nothing from the server's environment (tokens, keys) reaches the pack.
      env: {},
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const channel = child.stdio[3] as Readable & Writable;
    let stderrTail = '';
    child.stdout
      ?.setEncoding('utf8')
      .on('data', (text: string) => log.info(`node pack '${packId}': ${text.trimEnd()}`));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-STDERR_TAIL);
      log.warn(`node pack '${packId}': ${text.trimEnd()}`);
    });
    let settleReady: { resolve: (pack: ReadyPack) => void; reject: (err: Error) => void } | undefined;
    const ready = new Promise<ReadyPack>((resolve, reject) => {
      settleReady = { resolve, reject };
    });
    // A start that fails is reported by whoever awaits it; don't let an unawaited one crash the process.
    ready.catch(() => {});
    const timer = setTimeout(() => {
      settleReady?.reject(
        new EngineError(
          'node_pack_sandbox_timeout',
          `node pack '${packId}' did not load in its sandbox within ${this.#options.readyTimeoutMs ?? 60_000} ms`,
        ),
      );
      child.kill('SIGKILL');
    }, this.#options.readyTimeoutMs ?? 60_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      settleReady?.reject(err);
      settleReady = undefined;
      for (const pending of this.#pending.values()) pending.reject(err);
      this.#pending.clear();
    };
    const reader = createFrameReader((body) => {
      const parsed = zChildMessage.safeParse(decodeFrame(body));
      if (!parsed.success)
        throw new EngineError(
          'sandbox_frame_invalid',
          `node pack '${packId}' sent a malformed message: ${parsed.error.issues[0]?.message ?? ''}`,
        );
      this.#receive(parsed.data, {
        ready: (pack) => {
          clearTimeout(timer);
          settleReady?.resolve(pack);
          settleReady = undefined;
        },
        fatal: (error) => fail(this.#options.toError(error)),
      });
    });
    channel.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        // A child that breaks the protocol is stopped: nothing it sends after that can be trusted.
        fail(err instanceof Error ? err : new Error(errorMessage(err)));
        child.kill('SIGKILL');
      }
    });
    channel.on('error', () => {});
    child.on('error', (err) =>
      fail(
        new EngineError(
          'node_pack_sandbox_failed',
          `node pack '${packId}': cannot start its sandbox: ${err.message}`,
        ),
      ),
    );
    child.on('exit', (code, signal) => {
      if (this.#running?.child === child) this.#running = undefined;
      for (const kill of this.#aborted.values()) clearTimeout(kill);
      this.#aborted.clear();
      const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
      const tail = stderrTail.trim() ? `: ${stderrTail.trim().split('\n').slice(-5).join(' | ')}` : '';
      fail(
        new EngineError(
          'node_pack_sandbox_exited',
          `node pack '${packId}': its sandbox process ${why}${tail}`,
        ),
      );
    });
    return { child, channel, ready };
  }

  #receive(
    message: ChildMessage,
    on: { ready: (pack: ReadyPack) => void; fatal: (error: SandboxError) => void },
  ): void {
    switch (message.type) {
      case 'ready':
        on.ready(message.pack);
        return;
      case 'fatal':
        on.fatal(message.error);
        return;
      case 'log':
        this.#options.log[message.level](`node pack '${this.#options.packId}': ${message.message}`, {
          ...message.data,
        });
        return;
      case 'progress':
        this.#pending.get(message.call)?.handlers.progress?.(message.value, message.max, message.preview);
        return;
      case 'result': {
        this.#settleAborted(message.call);
        const pending = this.#pending.get(message.call);
        this.#pending.delete(message.call);
        pending?.resolve(message.value);
        return;
      }
      case 'error': {
        this.#settleAborted(message.call);
        const pending = this.#pending.get(message.call);
        this.#pending.delete(message.call);
        pending?.reject(this.#options.toError(message.error));
        return;
      }
    }
  }
}
