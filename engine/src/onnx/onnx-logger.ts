/**
 * @module
 * The logging surface this folder needs. It is structural, so the engine's `Logger` (or any
 * `{ debug, info, warn, error }` object) can be passed as is.
 */

/** Where session and build diagnostics go; the engine never writes to the console. */
export interface OnnxLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Drops every line. */
export const SILENT_ONNX_LOGGER: OnnxLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
