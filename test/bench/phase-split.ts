/**
 * @module
 * Splits a prompt's run into what users wait for, from the executor's own events (the ones the CLI
 * bar and the editor show): per node, seconds in each progress phase (load / build / session /
 * compute, from `progress` events that carry a phase; time before a node's first phase counts as
 * compute; a node ends at its start plus the duration `execution_success` reports), and the
 * sampler's step times (between its plain progress events, the first one measured from its
 * `compute` phase). Pure, so the benchmarks print figures that follow from the events.
 */
import type { ExecutionEvent, ProgressPhase } from '@momaflow/engine';

/** An event and when it arrived (ms, `performance.now()`). */
export interface TimedEvent {
  readonly at: number;
  readonly event: ExecutionEvent;
}

export type PhaseSeconds = Record<ProgressPhase, number>;

/** One node's time, by phase. */
export interface NodeSplit {
  readonly nodeId: string;
  readonly classType: string;
  readonly phases: PhaseSeconds;
  readonly seconds: number;
}

/** The split of one prompt. */
export interface RunSplit {
  readonly nodes: readonly NodeSplit[];
  /** Seconds of each step of `samplerId`. */
  readonly steps: readonly number[];
  /** From the first event until the sampler began its first step (`compute` phase). */
  readonly untilFirstStep: number | undefined;
  readonly total: number;
}

const NO_TIME: PhaseSeconds = { load: 0, build: 0, session: 0, compute: 0 };

/**
 * @example
 * const split = splitRun(events, '3');
 * console.log(split.nodes.map((n) => `${n.classType} ${n.phases.session} s`));
 */
export function splitRun(events: readonly TimedEvent[], samplerId: string): RunSplit {
  const nodes = new Map<
    string,
    { classType: string; phases: PhaseSeconds; phase: ProgressPhase; since: number; start: number }
  >();
  const close = (nodeId: string, at: number) => {
    const n = nodes.get(nodeId);
    if (n === undefined) return;
    n.phases[n.phase] += (at - n.since) / 1000;
    n.since = at;
  };
  const steps: number[] = [];
  let lastStep: number | undefined;
  let firstStep: number | undefined;
  const start = events[0]?.at ?? 0;
  for (const { at, event } of events) {
    if (event.type === 'executing') {
      nodes.set(event.nodeId, {
        classType: event.classType,
        phases: { ...NO_TIME },
        phase: 'compute',
        since: at,
        start: at,
      });
    } else if (event.type === 'progress') {
      if (event.phase !== undefined) {
        close(event.nodeId, at);
        nodes.get(event.nodeId)!.phase = event.phase;
        if (event.nodeId === samplerId && event.phase === 'compute') {
          lastStep = at;
          firstStep ??= at;
        }
      } else if (event.nodeId === samplerId && lastStep !== undefined) {
        steps.push((at - lastStep) / 1000);
        lastStep = at;
      }
    } else if (event.type === 'execution_success') {
      for (const [nodeId, ms] of Object.entries(event.timings)) {
        const n = nodes.get(nodeId);
        if (n !== undefined) close(nodeId, n.start + ms);
      }
    }
  }
  const end = events.at(-1)?.at ?? start;
  return {
    nodes: [...nodes].map(([nodeId, n]) => ({
      nodeId,
      classType: n.classType,
      phases: n.phases,
      seconds: Object.values(n.phases).reduce((a, b) => a + b, 0),
    })),
    steps,
    untilFirstStep: firstStep === undefined ? undefined : (firstStep - start) / 1000,
    total: (end - start) / 1000,
  };
}
