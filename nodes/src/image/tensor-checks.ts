/**
 * @module
 * Run-time shape checks for IMAGE and MASK values at node boundaries. Sockets are typed, but a custom
 * node pack can still hand over a tensor of the wrong rank; failing here names the node input instead
 * of producing garbage three nodes later.
 */
import { EngineError, isFloatTensor, type Tensor } from '@momaflow/engine';

/**
 * The value as an IMAGE (float32 [N, H, W, C], C in 1..4, not empty), or EngineError `invalid_image`
 * whose message starts with `label`.
 * @example
 * const input = requireImage(image, "ImageScale input 'image'");
 */
export function requireImage(value: unknown, label: string): Tensor<'float32'> {
  const channels = isFloatTensor(value, 4) ? value.shape[3]! : 0;
  if (!isFloatTensor(value, 4) || channels < 1 || channels > 4 || value.size === 0) {
    const shape = isFloatTensor(value) ? `[${value.shape.join(', ')}]` : typeof value;
    throw new EngineError(
      'invalid_image',
      `${label}: expected an IMAGE (float32 [N, H, W, C], C in 1..4, not empty), got ${shape}`,
    );
  }
  return value;
}

/**
 * The value as a MASK (float32 [N, H, W]); a single [H, W] mask (as some ComfyUI nodes make) becomes
 * [1, H, W]. Anything else is EngineError `invalid_mask` whose message starts with `label`.
 * @example
 * const input = requireMask(mask, "InvertMask input 'mask'");
 */
export function requireMask(value: unknown, label: string): Tensor<'float32'> {
  if (isFloatTensor(value, 3) && value.size > 0) return value;
  if (isFloatTensor(value, 2) && value.size > 0) return value.reshape([1, ...value.shape]);
  const shape = isFloatTensor(value) ? `[${value.shape.join(', ')}]` : typeof value;
  throw new EngineError(
    'invalid_mask',
    `${label}: expected a MASK (float32 [N, H, W] or [H, W], not empty), got ${shape}`,
  );
}
