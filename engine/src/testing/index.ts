/**
 * @module Test and benchmark helpers: counting node definitions, prompt builders, the browser-bundle check,
 * the ONNX helpers' plain-TS references (for other packages' graph tests), and the torch archive
 * builders (for other packages' tests of `.ckpt` / `.pt` / `.bin` layouts).
 */

export {
  assertClose,
  attentionRef,
  conv2dRef,
  geluRef,
  layerNormRef,
  linearRef,
  randomTensor,
  runModel,
} from '../onnx/test-reference';
export { PickleWriter } from '../weights/pickle-writer';
export { buildTorchFile } from '../weights/test-utils/torch-file-builder';
export type { TensorViewSpec } from '../weights/torch-writer';
export { writeTensor } from '../weights/torch-writer';
export type { BrowserBundleReport } from './browser-bundle';
export { bundleForBrowser } from './browser-bundle';
export type {
  ComfyGraphSpec,
  ComfyLinkSpec,
  ComfyNodeSpec,
  GroupNodeLinkSpec,
  GroupNodeSpec,
  SubgraphSpec,
} from './comfy-ui-builder';
export { comfyUiWorkflow, groupNodeDefinition } from './comfy-ui-builder';
export { cosineSimilarity } from './cosine-similarity';
export { engineErrorOf } from './engine-error-of';
export { fixturePath, fixturesDir, openVectors } from './fixtures';
export { runGraph } from './run-graph';
export { SANDBOX_TEST_PACK, writeSandboxTestPack } from './sandbox-test-pack';
export { chainPrompt, createTestEnv, createTestNodes, testNodeContext } from './test-nodes';
