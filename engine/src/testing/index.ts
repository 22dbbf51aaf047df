/** @module Test and benchmark helpers: counting node definitions and prompt builders. */
export { chainPrompt, createTestEnv, createTestNodes } from './test-nodes';
