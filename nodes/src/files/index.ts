/** @module Folder listings behind loader combos and the model folders clients browse. */
export type { FolderListing } from './list-folder';
export { listFolder } from './list-folder';
export { listModelFiles, MODEL_FILE_EXTENSIONS, MODEL_FOLDERS, modelName } from './model-folders';
