import { describe, expect, it } from 'vitest';
import type { Prompt } from '../graph/prompt';
import { chainPrompt, createTestEnv, createTestNodes } from '../testing/test-nodes';
import { validatePrompt } from '../validation/validate-prompt';
import type { ExecutionEvent } from './execution-event';
import { createExecutor } from './executor';

const env = createTestEnv();

async function setup() {
  const nodes = createTestNodes();
  const executor = createExecutor({ env });
  const run = async (prompt: Prompt, options: { targets?: string[]; signal?: AbortSignal } = {}) => {
    const checked = await validatePrompt(prompt, {
      registry: nodes.registry,
      env,
      ...(options.targets ? { targets: options.targets } : {}),
    });
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const events: ExecutionEvent[] = [];
    nodes.runs.clear();
    const result = await executor.execute(checked.value, {
      emit: (e) => events.push(e),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { result, events, ran: [...nodes.runs.keys()].sort() };
  };
  return { ...nodes, executor, run };
}

const diamond = (b = 1): Prompt => ({
  '1': { class_type: 'Number', inputs: { value: 2 } },
  '2': { class_type: 'Add', inputs: { a: ['1', 0], b } },
  '3': { class_type: 'Add', inputs: { a: ['1', 0], b: 100 } },
  '4': { class_type: 'Show', inputs: { value: ['2', 0] } },
  '5': { class_type: 'Show', inputs: { value: ['3', 0] } },
});

describe(createExecutor.name, () => {
  it('runs the graph and emits the ordered event stream with timings', async () => {
    const { run } = await setup();
    const { result, events } = await run(chainPrompt(4));
    expect(result.status).toBe('success');
    expect(result.outputs['3']).toEqual({ text: ['3'] });
    expect(events.map((e) => e.type)).toEqual([
      'execution_start',
      'execution_cached',
      'executing',
      'executing',
      'executing',
      'executing',
      'executed',
      'execution_success',
    ]);
    const success = events.at(-1);
    expect(success?.type === 'execution_success' && Object.keys(success.timings).sort()).toEqual([
      '0',
      '1',
      '2',
      '3',
    ]);
  });

  it('re-runs only the changed node and its descendants', async () => {
    const { run } = await setup();
    expect((await run(diamond(1))).ran).toEqual(['1', '2', '3', '4', '5']);
    const second = await run(diamond(7));
    expect(second.ran).toEqual(['2', '4']);
    expect(second.result.outputs['4']).toEqual({ text: ['9'] });
    const cachedEvent = second.events.find((e) => e.type === 'execution_cached');
    expect(cachedEvent?.type === 'execution_cached' && [...cachedEvent.nodes].sort()).toEqual([
      '1',
      '3',
      '5',
    ]);
    // The cached output node still reports its UI output.
    expect(second.result.outputs['5']).toEqual({ text: ['102'] });
    const third = await run(diamond(7));
    expect(third.ran).toEqual([]);
    const allCached = third.events.find((e) => e.type === 'execution_cached');
    expect(allCached?.type === 'execution_cached' && [...allCached.nodes].sort()).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
  });

  it('shares cache entries between identical subgraphs under different ids', async () => {
    const { run } = await setup();
    await run(chainPrompt(5, 0));
    const renumbered = await run(chainPrompt(5, 1000));
    expect(renumbered.ran).toEqual([]);
    expect(renumbered.result.outputs['1004']).toEqual({ text: ['4'] });
    // Two identical branches inside one prompt run once.
    const twins = await run({
      ...chainPrompt(3, 0),
      '10': { class_type: 'Number', inputs: { value: 1 } },
      '11': { class_type: 'Add', inputs: { a: ['10', 0], b: 5 } },
      '12': { class_type: 'Add', inputs: { a: ['0', 0], b: 5 } },
      '13': { class_type: 'Show', inputs: { value: ['11', 0] } },
      '14': { class_type: 'Show', inputs: { value: ['12', 0] } },
    });
    expect(twins.ran.filter((id) => id === '11' || id === '12')).toHaveLength(1);
    expect(twins.result.outputs['13']).toEqual(twins.result.outputs['14']);
  });

  it('evaluates lazy inputs only when the node asks for them', async () => {
    const { run } = await setup();
    const prompt = (useA: boolean, bValue = 20): Prompt => ({
      '1': { class_type: 'Number', inputs: { value: 10 } },
      '2': { class_type: 'Add', inputs: { a: ['1', 0], b: 1 } },
      '3': { class_type: 'Number', inputs: { value: bValue } },
      '4': { class_type: 'Add', inputs: { a: ['3', 0], b: 2 } },
      '5': { class_type: 'Switch', inputs: { useA, a: ['2', 0], b: ['4', 0] } },
      '6': { class_type: 'Show', inputs: { value: ['5', 0] } },
    });
    const a = await run(prompt(true));
    expect(a.ran).toEqual(['1', '2', '5', '6']);
    expect(a.result.outputs['6']).toEqual({ text: ['11'] });
    const b = await run(prompt(false));
    expect(b.ran).toEqual(['3', '4', '5', '6']);
    expect(b.result.outputs['6']).toEqual({ text: ['22'] });
    // B changed but A is chosen: the switch re-runs and the branch it asks for lazily comes from the cache.
    const again = await run(prompt(true, 30));
    expect(again.ran).toEqual(['5', '6']);
    expect(again.result.outputs['6']).toEqual({ text: ['11'] });
  });

  it('executes only the requested outputs (partial execution)', async () => {
    const { run } = await setup();
    const { ran, result } = await run(diamond(), { targets: ['5'] });
    expect(ran).toEqual(['1', '3', '5']);
    expect(Object.keys(result.outputs)).toEqual(['5']);
  });

  it('interrupts a running node through the AbortSignal', async () => {
    const { run, started } = await setup();
    const controller = new AbortController();
    const prompt: Prompt = {
      '1': { class_type: 'Number', inputs: { value: 1 } },
      '2': { class_type: 'Wait', inputs: { value: ['1', 0] } },
      '3': { class_type: 'Show', inputs: { value: ['2', 0] } },
    };
    const pending = run(prompt, { signal: controller.signal });
    await started;
    controller.abort();
    const { result, events, ran } = await pending;
    expect(result.status).toBe('interrupted');
    expect(ran).toEqual(['1', '2']);
    const last = events.at(-1);
    expect(last).toMatchObject({
      type: 'execution_interrupted',
      nodeId: '2',
      classType: 'Wait',
      executed: ['1'],
    });
    expect(events.some((e) => e.type === 'progress' && e.nodeId === '2')).toBe(true);
  });

  it('turns a node exception into an execution_error event', async () => {
    const { run } = await setup();
    const { result, events, ran } = await run({
      '1': { class_type: 'Number', inputs: { value: 1 } },
      '2': { class_type: 'Fail', inputs: { value: ['1', 0] } },
      '3': { class_type: 'Show', inputs: { value: ['2', 0] } },
    });
    expect(result.status).toBe('error');
    expect(ran).toEqual(['1', '2']);
    const error = events.at(-1);
    expect(error).toMatchObject({
      type: 'execution_error',
      nodeId: '2',
      classType: 'Fail',
      errorType: 'Error',
      executed: ['1'],
    });
    expect(error?.type === 'execution_error' && error.message).toContain('boom');
    expect(error?.type === 'execution_error' && error.stack).toContain('Error');
  });

  it('runs concurrent-safe nodes of independent branches at the same time', async () => {
    const { definitions } = createTestNodes();
    const { createNodeRegistry, defineNode, Input } = await import('../index');
    let active = 0;
    let peak = 0;
    const Sleep = defineNode({
      type: 'Sleep',
      category: 'test',
      concurrent: true,
      inputs: { ms: Input.int({ default: 20 }) },
      outputs: [{ type: 'INT' }],
      run: async (_ctx, { ms }) => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, ms));
        active--;
        return [ms];
      },
    });
    const registry = createNodeRegistry([...definitions, Sleep]);
    const checked = await validatePrompt(
      {
        '1': { class_type: 'Sleep', inputs: { ms: 30 } },
        '2': { class_type: 'Sleep', inputs: { ms: 31 } },
        '3': { class_type: 'Show', inputs: { value: ['1', 0] } },
        '4': { class_type: 'Show', inputs: { value: ['2', 0] } },
      },
      { registry, env },
    );
    if (!checked.ok) throw new Error('invalid');
    const result = await createExecutor({ env }).execute(checked.value);
    expect(result.status).toBe('success');
    expect(peak).toBe(2);
  });
});
