/**
 * @module
 * The ControlNets ControlNetLoader offers: weight files under `models/controlnet` with the extensions
 * ComfyUI lists there (`supported_pt_extensions`), and diffusers folders (a folder holding
 * `config.json`, listed as the folder itself), as sorted POSIX paths relative to that folder.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listFolder } from '../files/list-folder';

/** Weight-file extensions listed (lower case; matched case-insensitively). */
export const CONTROLNET_EXTENSIONS: readonly string[] = [
  '.safetensors',
  '.sft',
  '.pth',
  '.pt',
  '.ckpt',
  '.bin',
];

const isControlNetFile = (name: string) =>
  CONTROLNET_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

async function isDiffusersFolder(dir: string): Promise<boolean> {
  return stat(join(dir, 'config.json')).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * @example
 * await listControlNets(join(env.dirs.models, 'controlnet')); // ['control_v11p_sd15_canny.pth', 'sd-controlnet-depth']
 */
export function listControlNets(root: string): Promise<string[]> {
  return listFolder(root, {
    acceptFile: (entry) => isControlNetFile(entry.name) && (entry.isFile() || entry.isSymbolicLink()),
    isLeafFolder: isDiffusersFolder,
  });
}
