/**
 * @module
 * A content hash of named tensors, for cache keys that must change whenever the numbers do (a patch's
 * adapter weights, a reference image's latent), not only when a file's name or date does.
 */
import { createHash } from 'node:crypto';
import type { DType, Tensor } from '../tensor/tensor';

/**
 * sha256 (hex) over each entry's name, dtype, shape and bytes, in the order given.
 * @example
 * tensorsDigest([['latent', latent], ['context', context]]);
 */
export function tensorsDigest(entries: Iterable<readonly [string, Tensor<DType>]>): string {
  const hash = createHash('sha256');
  for (const [name, t] of entries) {
    hash.update(`${name}:${t.dtype}[${t.shape.join(',')}]`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}
