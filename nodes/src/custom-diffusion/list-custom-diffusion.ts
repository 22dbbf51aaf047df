/**
 * @module
 * What CustomDiffusionLoader offers from `models/custom_diffusion`: weight files (`delta.bin`,
 * `delta_epoch=N.ckpt`, `.safetensors` conversions) and diffusers output folders (holding
 * `pytorch_custom_diffusion_weights.*`, listed as the folder itself), as sorted POSIX paths.
 */
import { readdir } from 'node:fs/promises';
import { listFolder } from '../files/list-folder';

const EXTENSIONS = ['.bin', '.ckpt', '.pt', '.safetensors'];

async function isDiffusersOutput(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n.startsWith('pytorch_custom_diffusion_weights.'));
}

/**
 * @example
 * await listCustomDiffusion(join(env.dirs.models, 'custom_diffusion')); // ['cat', 'delta_epoch=000004.ckpt']
 */
export function listCustomDiffusion(root: string): Promise<string[]> {
  return listFolder(root, {
    acceptFile: (entry) =>
      EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext)) &&
      (entry.isFile() || entry.isSymbolicLink()),
    isLeafFolder: isDiffusersOutput,
  });
}
