/** @module Workflows brought from files and from ComfyUI, converted against this runtime's node types. */
export { registryImportTypes } from './import-types';
export { readWorkflowFile } from './read-workflow-file';
