/**
 * @module
 * A cheap estimate of how much memory a node output holds, so the cache can be bounded in bytes.
 * Values may report themselves through an `estimateBytes()` method (Tensor does).
 */
const MAX_DEPTH = 6;

export function estimateBytes(value: unknown, depth = 0): number {
  if (value === null || value === undefined) return 8;
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
      return 8;
    case 'string':
      return 16 + 2 * value.length;
    case 'object':
      break;
    default:
      return 16;
  }
  const self = Reflect.get(value, 'estimateBytes');
  if (typeof self === 'function') {
    const n: unknown = self.call(value);
    if (typeof n === 'number' && Number.isFinite(n)) return n;
  }
  if (ArrayBuffer.isView(value)) return value.byteLength + 64;
  if (value instanceof ArrayBuffer) return value.byteLength + 64;
  if (depth >= MAX_DEPTH) return 64;
  let total = 64;
  const items =
    value instanceof Map ? [...value.values()] : Array.isArray(value) ? value : Object.values(value);
  for (const item of items) total += estimateBytes(item, depth + 1);
  return total;
}
