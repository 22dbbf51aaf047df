/**
 * @module
 * The typed event stream of one prompt's execution (ComfyUI's message names). The executor only calls
 * `emit`; the server turns events into WebSocket frames, the CLI into progress bars.
 */
import type { PreviewImage, ProgressPhase, UiOutput } from '../node-api/node-definition';

/** Milliseconds each executed node took, by node id. */
export type NodeTimings = Readonly<Record<string, number>>;

export type ExecutionEvent =
  | { readonly type: 'execution_start'; readonly promptId: string; readonly timestamp: number }
  | {
      readonly type: 'execution_cached';
      readonly promptId: string;
      readonly nodes: readonly string[];
      readonly timestamp: number;
    }
  | {
      readonly type: 'executing';
      readonly promptId: string;
      readonly nodeId: string;
      readonly classType: string;
    }
  | {
      readonly type: 'progress';
      readonly promptId: string;
      readonly nodeId: string;
      readonly value: number;
      readonly max: number;
      readonly preview?: PreviewImage;
      readonly phase?: ProgressPhase;
      readonly text?: string;
    }
  | {
      readonly type: 'executed';
      readonly promptId: string;
      readonly nodeId: string;
      readonly classType: string;
      readonly output: UiOutput;
      readonly cached: boolean;
      readonly durationMs: number;
    }
  | {
      readonly type: 'execution_error';
      readonly promptId: string;
      readonly nodeId: string;
      readonly classType: string;
      readonly errorType: string;
      readonly message: string;
      readonly stack: string | undefined;
      readonly executed: readonly string[];
      readonly timings: NodeTimings;
      readonly timestamp: number;
    }
  | {
      readonly type: 'execution_interrupted';
      readonly promptId: string;
      readonly nodeId: string | null;
      readonly classType: string | null;
      readonly executed: readonly string[];
      readonly timings: NodeTimings;
      readonly timestamp: number;
    }
  | {
      readonly type: 'execution_success';
      readonly promptId: string;
      readonly timings: NodeTimings;
      readonly durationMs: number;
      readonly timestamp: number;
    };

export type ExecutionEventType = ExecutionEvent['type'];
export type ExecutionEventOf<T extends ExecutionEventType> = Extract<ExecutionEvent, { type: T }>;

export type ExecutionStatus = 'success' | 'error' | 'interrupted';

export interface ExecutionResult {
  readonly promptId: string;
  readonly status: ExecutionStatus;
  /** UI outputs of the output nodes (fresh or cached), by node id. */
  readonly outputs: Readonly<Record<string, UiOutput>>;
  readonly timings: NodeTimings;
  readonly executed: readonly string[];
  readonly cached: readonly string[];
  readonly error?: { readonly nodeId: string; readonly classType: string; readonly message: string };
}
