/** @module The workflow model: executable prompts, the saved workflow format, migration and conversion. */

export * from './comfy-ui';
export { promptToWorkflow, toPrompt, workflowToPrompt } from './convert-workflow';
export { looksLikeWorkflow, migrateV1, parseWorkflow } from './migrate-workflow';
export type { PackRef } from './pack-ref';
export { CORE_PACK_ID, missingNodeTypeMessage, packRefOf, recordProvenance, zPackRef } from './pack-ref';
export type { Link, NodeId, Prompt, PromptNode } from './prompt';
export { asLink, isLink, zLink, zPromptNode } from './prompt';
export type { NodeMode, SeedControl, Workflow, WorkflowGroup, WorkflowNode, WorkflowNote } from './workflow';
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
} from './workflow';
export type { WorkflowV1 } from './workflow-v1';
export { zWorkflowV1 } from './workflow-v1';
