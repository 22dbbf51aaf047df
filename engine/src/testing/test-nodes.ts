/**
 * @module
 * Small node definitions and a prompt builder for the engine's own tests and benchmarks. Each set
 * counts its runs, so tests can assert what executed.
 */

import { dict } from '../dictionary/dictionary';
import type { Prompt, PromptNode } from '../graph/prompt';
import { SILENT_LOGGER } from '../log';
import { createNodeEnv } from '../node-api/create-node-env';
import { Input } from '../node-api/input-specs';
import { defineNode, type NodeContext } from '../node-api/node-definition';
import type { NodeEnv } from '../node-api/node-env';
import { createNodeRegistry } from '../node-api/node-registry';

export function createTestNodes() {
  const runs = new Map<string, number>();
  const count = (id: string) => runs.set(id, (runs.get(id) ?? 0) + 1);

  const Number_ = defineNode({
    type: 'Number',
    category: 'test',
    inputs: { value: Input.int({ default: 0, min: -1_000_000, max: 1_000_000 }) },
    outputs: [{ type: 'INT', name: 'value' }],
    run: (ctx, { value }) => {
      count(ctx.nodeId);
      return [value];
    },
  });
  const Add = defineNode({
    type: 'Add',
    category: 'test',
    concurrent: true,
    inputs: { a: Input.link('INT'), b: Input.int({ default: 1, min: -1_000_000, max: 1_000_000 }) },
    outputs: [{ type: 'INT' }],
    run: (ctx, { a, b }) => {
      count(ctx.nodeId);
      return [a + b];
    },
  });
  const Show = defineNode({
    type: 'Show',
    category: 'test',
    output: true,
    inputs: { value: Input.link('INT') },
    outputs: [],
    run: (ctx, { value }) => {
      count(ctx.nodeId);
      return { outputs: [], ui: { text: [String(value)] } };
    },
  });
  const Label = defineNode({
    type: 'Label',
    category: 'test',
    inputs: {
      text: Input.string({ default: '' }),
      mode: Input.combo({ options: ['upper', 'lower'], default: 'upper' }),
      scale: Input.float({ default: 1, min: 0, max: 10, step: 0.5 }),
      flag: Input.boolean({ default: false, optional: true }),
      seed: Input.seed(),
    },
    outputs: [{ type: 'STRING' }],
    run: (ctx, { text, mode }) => {
      count(ctx.nodeId);
      return [mode === 'upper' ? text.toUpperCase() : text.toLowerCase()];
    },
  });
  const ShowText = defineNode({
    type: 'ShowText',
    category: 'test',
    output: true,
    inputs: { text: Input.link('STRING') },
    outputs: [],
    run: (ctx, { text }) => {
      count(ctx.nodeId);
      return { outputs: [], ui: { text: [text] } };
    },
  });
  /** Picks one of two lazy inputs: only the chosen branch should run. */
  const Switch = defineNode({
    type: 'Switch',
    category: 'test',
    inputs: {
      useA: Input.boolean({ default: true }),
      a: Input.link('INT', { lazy: true }),
      b: Input.link('INT', { lazy: true }),
    },
    outputs: [{ type: 'INT' }],
    run: async (ctx, { useA, a, b }) => {
      count(ctx.nodeId);
      return [await (useA ? a() : b())];
    },
  });
  /** Waits until aborted, reporting progress; `started` resolves when it begins. */
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const Wait = defineNode({
    type: 'Wait',
    category: 'test',
    inputs: { value: Input.link('INT') },
    outputs: [{ type: 'INT' }],
    run: (ctx, { value }) =>
      new Promise<[number]>((resolve, reject) => {
        count(ctx.nodeId);
        ctx.progress(0, 10);
        markStarted();
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        setTimeout(() => resolve([value]), 60_000).unref();
      }),
  });
  const Fail = defineNode({
    type: 'Fail',
    category: 'test',
    inputs: { value: Input.link('INT') },
    outputs: [{ type: 'INT' }],
    run: (ctx) => {
      count(ctx.nodeId);
      throw new Error('boom: the node failed on purpose');
    },
  });
  const definitions = [Number_, Add, Show, Label, ShowText, Switch, Wait, Fail];
  return { definitions, runs, started, registry: createNodeRegistry(definitions) };
}

export function createTestEnv(): NodeEnv {
  const dirs = {
    input: '/nonexistent/input',
    output: '/nonexistent/output',
    temp: '/nonexistent/temp',
    models: '/nonexistent/models',
  };
  return createNodeEnv({ dirs, log: SILENT_LOGGER });
}

/** A chain Number -> Add x (n-2) -> Show, with ids offset by `base`. */
export function chainPrompt(n: number, base = 0): Prompt {
  const prompt = dict<PromptNode>();
  const id = (i: number) => String(base + i);
  prompt[id(0)] = { class_type: 'Number', inputs: { value: 1 } };
  for (let i = 1; i < n - 1; i++) prompt[id(i)] = { class_type: 'Add', inputs: { a: [id(i - 1), 0], b: 1 } };
  prompt[id(n - 1)] = { class_type: 'Show', inputs: { value: [id(n - 2), 0] } };
  return prompt;
}

/**
 * A NodeContext for calling a definition's `run` directly in tests and benchmarks.
 * @example
 * await definition.run(testNodeContext({ progress: (v, m) => seen.push([v, m]) }), inputs);
 */
export function testNodeContext(overrides: Partial<NodeContext> = {}): NodeContext {
  return {
    nodeId: '1',
    promptId: 'test',
    source: {},
    signal: new AbortController().signal,
    log: SILENT_LOGGER,
    env: createTestEnv(),
    progress: () => {},
    ...overrides,
  };
}
