/**
 * @module Test and benchmark helpers: counting node definitions, prompt builders, the browser-bundle check,
 * and the ONNX helpers' plain-TS references (for other packages' graph tests).
 */

export {
  assertClose,
  attentionRef,
  conv2dRef,
  linearRef,
  randomTensor,
  runModel,
} from '../onnx/test-reference';
export type { BrowserBundleReport } from './browser-bundle';
export { bundleForBrowser } from './browser-bundle';
export { engineErrorOf } from './engine-error-of';
export { fixturePath, fixturesDir, openVectors } from './fixtures';
export { chainPrompt, createTestEnv, createTestNodes } from './test-nodes';
