/**
 * @module
 * Messages between `WorkerSessions` (main thread) and `session-worker.mjs`. Every request carries a
 * `callId`; the worker answers each exactly once.
 */
import type * as ort from 'onnxruntime-node';

/** A tensor as it crosses the thread boundary (structured-cloneable). */
export interface WireTensor {
  readonly type: ort.Tensor.Type;
  readonly dims: readonly number[];
  readonly data: ort.Tensor.DataType;
}

export type WorkerRequest =
  | {
      readonly op: 'create';
      readonly callId: number;
      readonly sessionId: number;
      readonly target: string | Uint8Array;
      readonly options: ort.InferenceSession.SessionOptions;
    }
  | {
      readonly op: 'run';
      readonly callId: number;
      readonly sessionId: number;
      readonly feeds: Readonly<Record<string, WireTensor>>;
      readonly fetches?: readonly string[];
      /** Stored constant feeds (`op: 'constants'`) added to `feeds`. */
      readonly constantsId?: number;
    }
  | { readonly op: 'release'; readonly callId: number; readonly sessionId: number }
  | {
      /** Keep feeds in the worker under `constantsId`, for runs that name it. */
      readonly op: 'constants';
      readonly callId: number;
      readonly constantsId: number;
      readonly feeds: Readonly<Record<string, WireTensor>>;
    }
  | { readonly op: 'dropConstants'; readonly callId: number; readonly constantsId: number };

export type WorkerReply =
  | { readonly callId: number; readonly ok: true; readonly outputs: Readonly<Record<string, WireTensor>> }
  | { readonly callId: number; readonly ok: true; readonly result: unknown }
  | { readonly callId: number; readonly ok: false; readonly message: string };
