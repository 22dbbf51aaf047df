/**
 * @module
 * Interruption helpers: the executor stops waiting for a node as soon as the signal aborts, even if the
 * node's code ignores the signal (its late result is discarded).
 */
import { EngineError } from '../errors';

export class InterruptedError extends EngineError {
  constructor() {
    super('interrupted', 'execution was interrupted');
    this.name = 'InterruptedError';
  }
}

export function isInterruption(err: unknown, signal: AbortSignal): boolean {
  return (
    err instanceof InterruptedError || (signal.aborted && err instanceof Error && err.name === 'AbortError')
  );
}

export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new InterruptedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
