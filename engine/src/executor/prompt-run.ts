/**
 * @module
 * One execution of a validated prompt. Nodes start in dependency order as soon as their eager inputs
 * are ready; non-`concurrent` nodes take a shared mutex so they run one at a time. Lazy inputs reach
 * the node as thunks that start the source's subgraph on demand (the node gives the mutex up while it
 * waits, so the subgraph can run). Outputs are cached by content signature.
 */
import { randomUUID } from 'node:crypto';
import { estimateBytes } from '../cache/estimate-bytes';
import { nodeSignature } from '../cache/node-signature';
import type { OutputCache } from '../cache/output-cache';
import { dict, dictFrom } from '../dictionary/dictionary';
import { EngineError, errorMessage } from '../errors';
import type { Logger } from '../log';
import type { InputSpec } from '../node-api/input-specs';
import type { NodeContext, PromptSource, UiOutput } from '../node-api/node-definition';
import type { NodeEnv } from '../node-api/node-env';
import type { PlannedNode, ValidatedPrompt } from '../validation/validate-prompt';
import { InterruptedError, isInterruption, raceAbort } from './abort';
import type { ExecutionEvent, ExecutionResult } from './execution-event';
import { Mutex } from './mutex';

type Outputs = readonly unknown[];

/** A node's failure, remembered with the node it happened in as it propagates to dependents. */
class NodeFailure extends Error {
  constructor(
    readonly node: PlannedNode,
    override readonly cause: unknown,
  ) {
    super(errorMessage(cause));
  }
}

export interface PromptRunOptions {
  readonly prompt: ValidatedPrompt;
  readonly promptId: string;
  readonly cache: OutputCache;
  readonly env: NodeEnv;
  readonly log: Logger;
  readonly emit: (event: ExecutionEvent) => void;
  readonly signal: AbortSignal | undefined;
  readonly source: PromptSource;
}

function normalise(node: PlannedNode, result: unknown): { outputs: Outputs; ui: UiOutput | undefined } {
  const { outputs, ui } = Array.isArray(result)
    ? { outputs: result as Outputs, ui: undefined }
    : typeof result === 'object' && result !== null && Array.isArray(Reflect.get(result, 'outputs'))
      ? {
          outputs: Reflect.get(result, 'outputs') as Outputs,
          ui: Reflect.get(result, 'ui') as UiOutput | undefined,
        }
      : { outputs: undefined, ui: undefined };
  if (!outputs) {
    throw new EngineError(
      'bad_node_result',
      `${node.classType} returned neither an output array nor { outputs, ui }`,
    );
  }
  if (outputs.length !== node.definition.outputs.length) {
    throw new EngineError(
      'bad_node_result',
      `${node.classType} returned ${outputs.length} output(s) but declares ${node.definition.outputs.length}`,
    );
  }
  return { outputs, ui };
}

export class PromptRun {
  readonly #o: PromptRunOptions;
  readonly #abort = new AbortController();
  readonly #mutex = new Mutex();
  readonly #signatures = new Map<string, string>();
  readonly #results = new Map<string, Promise<Outputs>>();
  readonly #bySignature = new Map<string, Promise<{ outputs: Outputs; ui: UiOutput | undefined }>>();
  readonly #cachedHits = new Map<string, { outputs: Outputs; ui: UiOutput | undefined }>();
  readonly #timings = dict<number>();
  readonly #executed: string[] = [];
  readonly #uiOutputs = dict<UiOutput>();
  #running: PlannedNode | undefined;
  #closed = false;

  constructor(options: PromptRunOptions) {
    this.#o = options;
    const external = options.signal;
    if (external?.aborted) this.#abort.abort();
    external?.addEventListener('abort', () => this.#abort.abort(), { once: true });
  }

  #emit(event: ExecutionEvent): void {
    if (!this.#closed) this.#o.emit(event);
  }

  async execute(): Promise<ExecutionResult> {
    const { promptId, prompt } = this.#o;
    const started = performance.now();
    this.#emit({ type: 'execution_start', promptId, timestamp: Date.now() });
    try {
      await this.#computeSignatures();
      let cached: string[] = [];
      this.#schedule(prompt.targets, (needed) => {
        // As ComfyUI: list every node of the prompt that has a cached result and will not run, not only
        // the ones the scheduling walk stopped at.
        cached = [...prompt.nodes.keys()].filter(
          (id) =>
            !needed.has(id) && (this.#cachedHits.has(id) || this.#o.cache.has(this.#signatures.get(id)!)),
        );
        this.#emit({ type: 'execution_cached', promptId, nodes: cached, timestamp: Date.now() });
        for (const id of this.#cachedHits.keys()) this.#emitCachedUi(id);
      });
      await Promise.all(prompt.targets.map((id) => this.#results.get(id)));
      const durationMs = performance.now() - started;
      this.#emit({
        type: 'execution_success',
        promptId,
        timings: this.#timings,
        durationMs,
        timestamp: Date.now(),
      });
      return this.#result('success', cached);
    } catch (err) {
      this.#abort.abort();
      await Promise.allSettled(this.#results.values());
      return this.#finishWithError(err);
    } finally {
      this.#closed = true;
    }
  }

  #result(
    status: ExecutionResult['status'],
    cached: readonly string[],
    error?: ExecutionResult['error'],
  ): ExecutionResult {
    return {
      promptId: this.#o.promptId,
      status,
      outputs: this.#uiOutputs,
      timings: this.#timings,
      executed: this.#executed,
      cached,
      ...(error ? { error } : {}),
    };
  }

  #finishWithError(err: unknown): ExecutionResult {
    const { promptId } = this.#o;
    const failure = err instanceof NodeFailure ? err : undefined;
    const cause = failure ? failure.cause : err;
    const cached = [...this.#cachedHits.keys()];
    if (isInterruption(cause, this.#abort.signal)) {
      const node = failure?.node ?? this.#running;
      this.#emit({
        type: 'execution_interrupted',
        promptId,
        nodeId: node?.id ?? null,
        classType: node?.classType ?? null,
        executed: this.#executed,
        timings: this.#timings,
        timestamp: Date.now(),
      });
      return this.#result('interrupted', cached);
    }
    const node = failure?.node;
    const nodeId = node?.id ?? '';
    const classType = node?.classType ?? '';
    const message = errorMessage(cause);
    this.#o.log.error('node failed', { nodeId, classType, message });
    this.#emit({
      type: 'execution_error',
      promptId,
      nodeId,
      classType,
      errorType: cause instanceof EngineError ? cause.code : cause instanceof Error ? cause.name : 'Error',
      message,
      stack: cause instanceof Error ? cause.stack : undefined,
      executed: this.#executed,
      timings: this.#timings,
      timestamp: Date.now(),
    });
    return this.#result('error', cached, { nodeId, classType, message });
  }

  async #computeSignatures(): Promise<void> {
    for (const node of this.#o.prompt.nodes.values()) {
      const links: [string, string, number][] = [];
      for (const [name, [from, index]] of node.links) links.push([name, this.#signatures.get(from)!, index]);
      let fingerprint: string | undefined;
      try {
        if (node.definition.notIdempotent) fingerprint = randomUUID();
        else if (node.definition.fingerprint) {
          fingerprint = await node.definition.fingerprint({ values: node.values, env: this.#o.env });
        }
      } catch (err) {
        throw new NodeFailure(node, err);
      }
      this.#signatures.set(
        node.id,
        nodeSignature({ classType: node.classType, values: node.values, links, fingerprint }),
      );
    }
  }

  /**
   * Makes sure `ids` will have results: walks back through eager links, takes what the cache holds
   * (without walking further up from a hit; hits land in #cachedHits) and starts the rest in dependency
   * order. `beforeStart` sees the set about to run before any node starts. Used for the requested
   * outputs and again for each lazy input a node asks for.
   */
  #schedule(ids: readonly string[], beforeStart?: (needed: ReadonlySet<string>) => void): void {
    const needed = new Set<string>();
    const queue = [...ids];
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (needed.has(id) || this.#results.has(id)) continue;
      const node = this.#o.prompt.nodes.get(id)!;
      const entry = node.definition.notIdempotent ? undefined : this.#o.cache.get(this.#signatures.get(id)!);
      if (entry) {
        this.#cachedHits.set(id, { outputs: entry.outputs, ui: entry.ui });
        this.#results.set(id, Promise.resolve(entry.outputs));
        continue;
      }
      needed.add(id);
      for (const [name, [from]] of node.links) if (!node.definition.inputs[name]?.lazy) queue.push(from);
    }
    beforeStart?.(needed);
    if (needed.size > 0) {
      for (const [id, node] of this.#o.prompt.nodes) {
        if (!needed.has(id)) continue;
        const promise = this.#start(node);
        promise.catch(() => {}); // failures surface through the target that awaits them
        this.#results.set(id, promise);
      }
    }
  }

  #emitCachedUi(id: string): void {
    const hit = this.#cachedHits.get(id);
    const node = this.#o.prompt.nodes.get(id)!;
    if (hit?.ui && node.definition.output) this.#reportUi(node, hit.ui, true, 0);
  }

  /** The outputs of `id`, scheduling whatever it needs first. */
  #outputsOf(id: string): Promise<Outputs> {
    this.#schedule([id]);
    return this.#results.get(id)!;
  }

  async #start(node: PlannedNode): Promise<Outputs> {
    const eager = new Map<string, unknown>();
    for (const [name, [from, index]] of node.links) {
      if (node.definition.inputs[name]?.lazy) continue;
      eager.set(name, (await this.#results.get(from)!)[index]);
    }
    const signature = this.#signatures.get(node.id)!;
    const twin = this.#bySignature.get(signature);
    if (twin) {
      // An identical node (same signature) already ran in this prompt: reuse its result.
      const { outputs, ui } = await twin;
      if (ui) this.#reportUi(node, ui, true, 0);
      return outputs;
    }
    const own = this.#runExclusive(node, eager, signature);
    this.#bySignature.set(signature, own);
    return (await own).outputs;
  }

  #reportUi(node: PlannedNode, ui: UiOutput, cached: boolean, durationMs: number): void {
    this.#uiOutputs[node.id] = ui;
    const { promptId } = this.#o;
    this.#emit({
      type: 'executed',
      promptId,
      nodeId: node.id,
      classType: node.classType,
      output: ui,
      cached,
      durationMs,
    });
  }

  async #runExclusive(
    node: PlannedNode,
    eager: Map<string, unknown>,
    signature: string,
  ): Promise<{ outputs: Outputs; ui: UiOutput | undefined }> {
    const exclusive = !node.definition.concurrent;
    if (this.#abort.signal.aborted) throw new NodeFailure(node, new InterruptedError());
    let holding = false;
    if (exclusive) {
      await this.#mutex.acquire();
      holding = true;
    }
    try {
      if (this.#abort.signal.aborted) throw new InterruptedError();
      this.#running = node;
      const inputs = dictFrom<unknown>([...Object.entries(node.values), ...eager]);
      for (const [name, [from, index]] of node.links) {
        if (!node.definition.inputs[name]?.lazy) continue;
        inputs[name] = async () => {
          const wasHolding = holding;
          if (wasHolding) {
            holding = false;
            this.#mutex.release();
          }
          try {
            return (await this.#outputsOf(from))[index];
          } finally {
            if (wasHolding) {
              await this.#mutex.acquire();
              holding = true;
            }
          }
        };
      }
      for (const [name, spec] of Object.entries<InputSpec>(node.definition.inputs)) {
        if (spec.lazy && !node.links.has(name)) inputs[name] = async () => node.values[name];
      }
      this.#emit({
        type: 'executing',
        promptId: this.#o.promptId,
        nodeId: node.id,
        classType: node.classType,
      });
      const t0 = performance.now();
      const result = await raceAbort(
        Promise.resolve().then(() => node.definition.run(this.#context(node), inputs)),
        this.#abort.signal,
      );
      const { outputs, ui } = normalise(node, result);
      const durationMs = performance.now() - t0;
      this.#timings[node.id] = durationMs;
      this.#executed.push(node.id);
      if (!node.definition.notIdempotent) {
        this.#o.cache.set(signature, { outputs, ui, bytes: estimateBytes(outputs) + estimateBytes(ui) });
      }
      if (ui) this.#reportUi(node, ui, false, durationMs);
      return { outputs, ui };
    } catch (err) {
      throw err instanceof NodeFailure ? err : new NodeFailure(node, err);
    } finally {
      if (holding) this.#mutex.release();
    }
  }

  #context(node: PlannedNode): NodeContext {
    const { promptId, env } = this.#o;
    return {
      nodeId: node.id,
      promptId,
      source: this.#o.source,
      signal: this.#abort.signal,
      env,
      log: this.#o.log.child({ nodeId: node.id, classType: node.classType }),
      progress: (value, max, preview, status) => {
        this.#emit({
          type: 'progress',
          promptId,
          nodeId: node.id,
          value,
          max,
          ...(preview ? { preview } : {}),
          ...(status ? { phase: status.phase, text: status.text } : {}),
        });
      },
    };
  }
}
