/**
 * @module
 * Test-only: the `EngineError` a function throws, so a test can assert its `code` and `details`.
 */
import { EngineError } from '../errors';

/** Calls `fn` and returns the EngineError it throws; fails if it throws nothing or something else. */
export function engineErrorOf(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
  throw new Error('expected an EngineError');
}
