/**
 * @module
 * `torch.linspace(start, end, steps)` for float32 on the CPU, value for value: the step is computed in
 * float32, the first half counts up from `start` and the second half down from `end`, and full
 * 8-wide AVX2 vectors start from their first element and add multiples of the step (pytorch
 * `aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp`), so schedules built on it carry ComfyUI's bits.
 */
import { f32 } from './float32-scalar';

/** Floats per AVX2 vector: the chunk size of torch's vectorised loop on x86-64. */
const VECTOR = 8;

/**
 * `steps` values from `start` to `end` (both included) as float32.
 * @example
 * linspaceF32(999, 0, 7); // [999, 832.5, 666, 499.5, 333, 166.5, 0]
 */
export function linspaceF32(start: number, end: number, steps: number): number[] {
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) return [s];
  const step = f32(f32(e - s) / f32(steps - 1));
  const halfway = Math.trunc(steps / 2);
  const scalarAt = (idx: number): number =>
    idx < halfway ? f32(s + f32(step * idx)) : f32(e - f32(step * (steps - idx - 1)));
  const out: number[] = [];
  let idx = 0;
  for (; idx + VECTOR <= steps; idx += VECTOR) {
    const base = scalarAt(idx);
    for (let k = 0; k < VECTOR; k++) out.push(f32(base + f32(k * step)));
  }
  for (; idx < steps; idx++) out.push(scalarAt(idx));
  return out;
}
