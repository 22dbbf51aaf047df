/** @module Engine errors. */
export { EngineError, errorMessage } from './engine-error';
