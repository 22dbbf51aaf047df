/**
 * @module
 * Importing workflows made elsewhere: ComfyUI frontend files (schema 0.4 and 1), ComfyUI API
 * prompts and PNG text chunks, mapped by the node types' schemas (subgraphs and legacy group nodes inlined), with a report
 * of what changed.
 */
export type { ComfyUiWorkflow } from './comfy-ui-schema';
export { looksLikeComfyUiWorkflow, zComfyUiWorkflow } from './comfy-ui-schema';
export { COMFYUI_EXTRA_KEY, convertComfyUiWorkflow } from './convert-comfy-ui';
export type {
  ImportNodeType,
  ImportNodeTypes,
  ImportWidget,
  ImportWidgetKind,
  ObjectInfoEntry,
} from './import-node-types';
export { importNodeTypes } from './import-node-types';
export type { ImportProblem, ImportProblemCode } from './import-problem';
export { IMPORT_PROBLEM_CODES } from './import-problem';
export type { ImportedWorkflow, WorkflowSource } from './import-workflow';
export { importPngText, importWorkflow } from './import-workflow';
export type { WidgetMapping } from './map-widget-values';
export { mapWidgetValues } from './map-widget-values';
