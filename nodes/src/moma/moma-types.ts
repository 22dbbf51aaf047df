/**
 * @module
 * The MoMA pack's socket values, registered on the engine's `SocketTypes`.
 */
import type { MomaAdapter } from '../models/moma-adapter';

export type { MomaAdapter };

declare module '@momaflow/engine' {
  interface SocketTypes {
    MOMA_ADAPTER: MomaAdapter;
  }
}
