import { describe, expect, it } from 'vitest';
import {
  EMPTY_RUN_STATE,
  messageReceived,
  nodeIssuesCleared,
  previewReceived,
  promptQueued,
  promptRejected,
  promptResynced,
  type RunState,
} from './run-state';
import type { WireMessage } from './wire-schema';

const queued = promptQueued(EMPTY_RUN_STATE, { tabId: 't1', promptId: 'p1', nodeIds: ['1', '2', '3'] });
const apply = (state: RunState, ...messages: WireMessage[]) => messages.reduce(messageReceived, state);
const image = { filename: 'a.png', subfolder: '', type: 'output' as const };

describe(messageReceived.name, () => {
  it('follows a run: cached, running with progress, executed, success', () => {
    const state = apply(
      queued,
      { type: 'execution_start', data: { prompt_id: 'p1', timestamp: 1 } },
      { type: 'execution_cached', data: { prompt_id: 'p1', nodes: ['1'], timestamp: 1 } },
      { type: 'executing', data: { prompt_id: 'p1', node: '2', display_node: '2' } },
      { type: 'progress', data: { prompt_id: 'p1', node: '2', value: 3, max: 10 } },
    );
    const run = state.byTab.t1!;
    expect(run.status).toBe('running');
    expect(run.runningNode).toBe('2');
    expect(run.nodes['1']?.status).toBe('cached');
    expect(run.nodes['2']).toMatchObject({ status: 'running', progress: { value: 3, max: 10 } });

    const done = apply(
      state,
      { type: 'executing', data: { prompt_id: 'p1', node: '3', display_node: '3' } },
      {
        type: 'executed',
        data: { prompt_id: 'p1', node: '3', display_node: '3', output: { images: [image] }, cached: false },
      },
      { type: 'execution_success', data: { prompt_id: 'p1', timestamp: 2, duration_ms: 5 } },
      { type: 'executing', data: { prompt_id: 'p1', node: null, display_node: null } },
    ).byTab.t1!;
    expect(done.status).toBe('success');
    expect(done.nodes['2']?.status).toBe('done');
    expect(done.nodes['2']?.progress).toBeUndefined();
    expect(done.nodes['3']).toMatchObject({ status: 'done', output: { images: [image] } });
  });

  it('shows what a node says it is doing until it says something else', () => {
    const state = apply(
      queued,
      { type: 'execution_start', data: { prompt_id: 'p1', timestamp: 1 } },
      { type: 'executing', data: { prompt_id: 'p1', node: '2', display_node: '2' } },
      {
        type: 'progress',
        data: {
          prompt_id: 'p1',
          node: '2',
          value: 0,
          max: 4,
          phase: 'session',
          text: 'creating the UNet session',
        },
      },
    );
    expect(state.byTab.t1!.nodes['2']?.progress).toEqual({
      value: 0,
      max: 4,
      text: 'creating the UNet session',
    });
    const sampling = apply(
      state,
      {
        type: 'progress',
        data: { prompt_id: 'p1', node: '2', value: 0, max: 4, phase: 'compute', text: 'sampling' },
      },
      { type: 'progress', data: { prompt_id: 'p1', node: '2', value: 1, max: 4 } },
    );
    expect(sampling.byTab.t1!.nodes['2']?.progress).toEqual({ value: 1, max: 4, text: 'sampling' });
  });

  it('puts an execution error on its node', () => {
    const run = apply(queued, {
      type: 'execution_error',
      data: {
        prompt_id: 'p1',
        node_id: '2',
        node_type: 'X',
        executed: [],
        exception_message: 'boom',
        exception_type: 'Error',
        traceback: [],
        timestamp: 1,
      },
    }).byTab.t1!;
    expect(run.status).toBe('error');
    expect(run.nodes['2']).toMatchObject({ status: 'error', error: 'Error: boom' });
    expect(run.issues['2']).toEqual([{ type: 'execution_error', message: 'boom' }]);
  });

  it('ignores prompts other clients queued, but tracks the queue size', () => {
    const state = apply(
      queued,
      { type: 'executing', data: { prompt_id: 'other', node: '2', display_node: '2' } },
      { type: 'status', data: { status: { exec_info: { queue_remaining: 3 } } } },
    );
    expect(state.byTab).toBe(queued.byTab);
    expect(state.queueRemaining).toBe(3);
  });

  it('marks an interrupted run and its node', () => {
    const run = apply(queued, {
      type: 'execution_interrupted',
      data: { prompt_id: 'p1', node_id: '2', node_type: 'X', executed: [], timestamp: 1 },
    }).byTab.t1!;
    expect([run.status, run.nodes['2']?.status]).toEqual(['interrupted', 'interrupted']);
  });
});

describe(promptQueued.name, () => {
  it('keeps the last outputs while the next run is pending', () => {
    const ran = apply(queued, {
      type: 'executed',
      data: { prompt_id: 'p1', node: '3', display_node: '3', output: { images: [image] }, cached: false },
    });
    const again = promptQueued(ran, { tabId: 't1', promptId: 'p2', nodeIds: ['3'] }).byTab.t1!;
    expect(again.nodes['3']).toEqual({ status: 'pending', output: { images: [image] } });
  });
});

describe(promptRejected.name, () => {
  it('groups issues by node and keeps prompt-wide ones as the message', () => {
    const run = promptRejected(queued, {
      tabId: 't1',
      message: 'the prompt has 2 problem(s)',
      issues: [
        { nodeId: '2', type: 'value_out_of_range', message: 'width too big', input: 'width' },
        { nodeId: null, type: 'no_output_node', message: 'no output node' },
      ],
    }).byTab.t1!;
    expect(run.issues).toEqual({
      '2': [{ type: 'value_out_of_range', message: 'width too big', input: 'width' }],
    });
    expect(run.message).toBe('no output node');
    expect(
      nodeIssuesCleared({ ...queued, byTab: { t1: run } }, { tabId: 't1', nodeId: '2' }).byTab.t1?.issues,
    ).toEqual({});
  });
});

describe(previewReceived.name, () => {
  it('shows the preview on the running node', () => {
    const running = apply(queued, {
      type: 'executing',
      data: { prompt_id: 'p1', node: '2', display_node: '2' },
    });
    expect(previewReceived(running, { tabId: 't1', url: 'blob:1' }).byTab.t1?.nodes['2']?.previewUrl).toBe(
      'blob:1',
    );
  });
});

describe(promptResynced.name, () => {
  it('settles a prompt that ended while the socket was down', () => {
    const running = apply(queued, {
      type: 'executing',
      data: { prompt_id: 'p1', node: '2', display_node: '2' },
    });
    const run = promptResynced(running, {
      promptId: 'p1',
      status: 'success',
      outputs: { '3': { images: [image] } },
    }).byTab.t1!;
    expect(run.status).toBe('success');
    expect(run.nodes['2']?.status).toBe('done');
    expect(run.nodes['3']?.output).toEqual({ images: [image] });
  });
});
