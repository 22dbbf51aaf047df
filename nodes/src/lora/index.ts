/**
 * @module
 * The LoRA node pack (ComfyUI's names): LoraLoader and LoraLoaderModelOnly, and `applyLora` for packs
 * that apply a planned LoRA to their own handles.
 */
export type { ApplyLoraOptions } from './apply-lora';
export { applyLora } from './apply-lora';
export { LORA_EXTENSIONS, listLoras } from './list-loras';
export { LoraLoader, LoraLoaderModelOnly } from './lora-loaders';
export { LORA_NODES } from './lora-nodes';
