/** @module Test and benchmark helpers: counting node definitions, prompt builders and the browser-bundle check. */
export type { BrowserBundleReport } from './browser-bundle';
export { bundleForBrowser } from './browser-bundle';
export { cosineSimilarity } from './cosine-similarity';
export { engineErrorOf } from './engine-error-of';
export { fixturePath, fixturesDir, openVectors } from './fixtures';
export { runGraph } from './run-graph';
export { SANDBOX_TEST_PACK, writeSandboxTestPack } from './sandbox-test-pack';
export { chainPrompt, createTestEnv, createTestNodes, testNodeContext } from './test-nodes';
