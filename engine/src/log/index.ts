/** @module Injected logging. */

export type { Logger, LogLevel, LogSink } from './logger';
export { createLogger, SILENT_LOGGER } from './logger';
