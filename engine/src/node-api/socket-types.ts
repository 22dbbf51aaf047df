/**
 * @module
 * Socket types are open strings. `SocketTypes` maps the known ones to their runtime value type; node
 * packs add their own by module augmentation:
 * @example
 * declare module '@momaflow/engine' {
 *   interface SocketTypes { LATENT: Latent }
 * }
 */
import type { Tensor } from '../tensor';

export interface SocketTypes {
  INT: number;
  FLOAT: number;
  STRING: string;
  BOOLEAN: boolean;
  COMBO: string;
  /** float32 NHWC in [0,1]. */
  IMAGE: Tensor<'float32'>;
  /** float32 NHW in [0,1]. */
  MASK: Tensor<'float32'>;
}

/** The wildcard socket type: accepts and connects to anything. */
export const ANY_TYPE = '*';

/** The runtime value carried by a socket of type `T` (`unknown` for types no pack described). */
export type SocketValue<T extends string> = T extends keyof SocketTypes ? SocketTypes[T] : unknown;

/** Whether an output of type `from` may feed an input of type `to`. */
export function isSocketCompatible(from: string, to: string): boolean {
  if (from === to || from === ANY_TYPE || to === ANY_TYPE) return true;
  // A STRING output may drive a COMBO widget; the value is checked against the options at run time.
  return from === 'STRING' && to === 'COMBO';
}
