/**
 * @module
 * The LoRA files the loaders offer: weight files anywhere under `models/loras` (ComfyUI's folder) with
 * the extensions ComfyUI lists there, as sorted POSIX paths relative to that folder.
 */
import { listFolder } from '../files/list-folder';

/** LoRA file extensions (lower case; matched case-insensitively). */
export const LORA_EXTENSIONS: readonly string[] = ['.safetensors', '.pt', '.pth', '.bin', '.ckpt'];

/**
 * @example
 * await listLoras(join(env.dirs.models, 'loras')); // ['style.safetensors', 'people/alice.safetensors']
 */
export function listLoras(root: string): Promise<string[]> {
  return listFolder(root, {
    acceptFile: (entry) =>
      LORA_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext)) &&
      (entry.isFile() || entry.isSymbolicLink()),
  });
}
