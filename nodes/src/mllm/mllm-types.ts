/**
 * @module
 * The MLLM pack's socket value, registered on the engine's `SocketTypes`: a LLaVA model handle
 * (checkpoint, vision tower, precision, content key). Its graphs and sessions live in the
 * environment's resources (`mllm-resources.ts`) under that key.
 */
import type { LlavaModel } from '../models/llava';

export type { LlavaModel };

declare module '@momaflow/engine' {
  interface SocketTypes {
    MLLM: LlavaModel;
  }
}
