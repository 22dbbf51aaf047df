/**
 * @module
 * The WebSocket wire protocol: JSON frames `{ type, data }` with ComfyUI's message names and
 * snake_case data (`prompt_id`, `node`), so existing ComfyUI clients read them as they are. Types
 * only, so the editor can share them.
 */
import type { ProgressPhase, UiOutput } from '@momaflow/engine/protocol';

/** Queue size as ComfyUI reports it: pending plus running prompts. */
export interface WireStatus {
  readonly status: { readonly exec_info: { readonly queue_remaining: number } };
  /** The connection's client id, sent on connect (ComfyUI's `sid`). */
  readonly sid?: string;
}

export type WireMessage =
  | { readonly type: 'status'; readonly data: WireStatus }
  | {
      readonly type: 'execution_start';
      readonly data: { readonly prompt_id: string; readonly timestamp: number };
    }
  | {
      readonly type: 'execution_cached';
      readonly data: {
        readonly prompt_id: string;
        readonly nodes: readonly string[];
        readonly timestamp: number;
      };
    }
  | {
      /** `node: null` marks the end of a prompt (sent after success, error and interruption alike). */
      readonly type: 'executing';
      readonly data: {
        readonly prompt_id: string;
        readonly node: string | null;
        readonly display_node: string | null;
      };
    }
  | {
      readonly type: 'progress';
      readonly data: {
        readonly prompt_id: string;
        readonly node: string;
        readonly value: number;
        readonly max: number;
        /** What the node is doing (momaflow's addition; ComfyUI clients ignore it). */
        readonly phase?: ProgressPhase;
        readonly text?: string;
      };
    }
  | {
      readonly type: 'executed';
      readonly data: {
        readonly prompt_id: string;
        readonly node: string;
        readonly display_node: string;
        readonly output: UiOutput;
        readonly cached: boolean;
      };
    }
  | {
      readonly type: 'execution_error';
      readonly data: {
        readonly prompt_id: string;
        readonly node_id: string;
        readonly node_type: string;
        readonly executed: readonly string[];
        readonly exception_message: string;
        readonly exception_type: string;
        /** Always empty: stack traces never leave the server (they are logged). */
        readonly traceback: readonly string[];
        readonly timestamp: number;
      };
    }
  | {
      readonly type: 'execution_interrupted';
      readonly data: {
        readonly prompt_id: string;
        readonly node_id: string | null;
        readonly node_type: string | null;
        readonly executed: readonly string[];
        readonly timestamp: number;
      };
    }
  | {
      readonly type: 'execution_success';
      readonly data: { readonly prompt_id: string; readonly timestamp: number; readonly duration_ms: number };
    }
  | {
      /** A problem with a message the client sent (the connection stays open). */
      readonly type: 'error';
      readonly data: { readonly type: string; readonly message: string };
    };

export type WireMessageType = WireMessage['type'];
export type WireMessageOf<T extends WireMessageType> = Extract<WireMessage, { type: T }>;
