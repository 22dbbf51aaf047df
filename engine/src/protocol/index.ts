/**
 * @module
 * The browser-safe part of the engine (`@momaflow/engine/protocol`): the saved workflow format and its
 * migration, the executable graph's link helpers, validation issues, execution events and the socket
 * compatibility rule. Everything re-exported here reaches only zod and pure code at run time (no
 * onnxruntime-node, no `node:` modules), so the editor can bundle it; `browser-safe.test.ts` bundles
 * this entry for the browser to keep it that way.
 * @example
 * import { isSocketCompatible, parseWorkflow } from '@momaflow/engine/protocol';
 */

export type { Dict, DictOptions } from '../dictionary';
export { dict, dictFrom, ownValue, zDict } from '../dictionary';
export type {
  ExecutionEvent,
  ExecutionEventOf,
  ExecutionEventType,
  ExecutionStatus,
  NodeTimings,
} from '../executor/execution-event';
export * from '../graph/comfy-ui';
export { promptToWorkflow, toPrompt, workflowToPrompt } from '../graph/convert-workflow';
export { looksLikeWorkflow, migrateV1, parseWorkflow } from '../graph/migrate-workflow';
export type { PackRef } from '../graph/pack-ref';
export { CORE_PACK_ID, missingNodeTypeMessage, recordProvenance, zPackRef } from '../graph/pack-ref';
export type { Link, NodeId, Prompt, PromptNode } from '../graph/prompt';
export { asLink, isLink, zLink, zPromptNode } from '../graph/prompt';
export type {
  NodeMode,
  SeedControl,
  Workflow,
  WorkflowGroup,
  WorkflowNode,
  WorkflowNote,
} from '../graph/workflow';
export {
  SEED_CONTROL_KEY,
  SEED_CONTROL_MODES,
  WORKFLOW_FORMAT,
  WORKFLOW_VERSION,
  zNodeMode,
  zWorkflow,
  zWorkflowGroup,
  zWorkflowNode,
  zWorkflowNote,
} from '../graph/workflow';
export type { WorkflowV1 } from '../graph/workflow-v1';
export { zWorkflowV1 } from '../graph/workflow-v1';
export { MAX_SEED } from '../node-api/input-specs';
export type { FileRef, PreviewImage, ProgressPhase, UiOutput } from '../node-api/node-definition';
export type { InputSchema, NodeSchema } from '../node-api/object-info';
export { ANY_TYPE, isSocketCompatible } from '../node-api/socket-types';
export type { Result, ValidationIssue, ValidationIssueType } from '../validation/validation-issue';
export { fail, ok, VALIDATION_ISSUE_TYPES } from '../validation/validation-issue';
