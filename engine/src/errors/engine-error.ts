/**
 * @module
 * The one error class the engine throws. `code` is machine-readable; the message names the value, the
 * file or the node involved and the valid range, so it can be shown to a user as it is.
 */
export class EngineError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }
}

/** Message of any thrown value, for events and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
}
