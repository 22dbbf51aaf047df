/**
 * @module
 * The logger the engine is handed. The engine never writes to the console itself; the application
 * (CLI, server) decides where lines go.
 */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  /** A logger whose lines carry `bindings` (for example the node id). */
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything: the default in tests and embedded use. */
export const SILENT_LOGGER: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return SILENT_LOGGER;
  },
};

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, message: string, data: Record<string, unknown>) => void;

/**
 * A logger that forwards every line, with its bindings merged in, to `sink`.
 * @example
 * const log = createLogger((level, msg, data) => console.error(level, msg, data));
 * log.child({ nodeId: '3' }).warn('prompt truncated');
 */
export function createLogger(sink: LogSink, bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, data: Record<string, unknown> = {}) =>
      sink(level, message, { ...bindings, ...data });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => createLogger(sink, { ...bindings, ...more }),
  };
}
