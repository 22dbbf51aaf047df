/**
 * @module
 * What MLLMLoader offers: LLaVA checkpoint folders under `models/mllm` (a folder holding
 * `config.json`, listed as the folder), and CLIP vision towers under `models/clip_vision` (transformers
 * folders, or bare weight files as ComfyUI keeps them), as sorted POSIX paths relative to the folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listFolder } from '../files/list-folder';

const WEIGHT_EXTENSIONS = ['.safetensors', '.bin', '.pt', '.pth'];
const isWeightFile = (name: string) => WEIGHT_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

async function hasConfig(dir: string): Promise<boolean> {
  return stat(join(dir, 'config.json')).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function holdsWeights(dir: string): Promise<boolean> {
  if (await hasConfig(dir)) return true;
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => !n.startsWith('.') && isWeightFile(n));
}

/**
 * LLaVA folders under `root` (usually `<models>/mllm`).
 * @example
 * await listMllmModels(join(env.dirs.models, 'mllm')); // ['MoMA_llava_7b', 'momaflow-tiny-llava']
 */
export function listMllmModels(root: string): Promise<string[]> {
  return listFolder(root, { acceptFile: () => false, isLeafFolder: hasConfig });
}

/**
 * Vision towers under `root` (usually `<models>/clip_vision`): folders with weights, and weight files.
 * @example
 * await listVisionTowers(join(env.dirs.models, 'clip_vision')); // ['clip-vit-large-patch14-336']
 */
export function listVisionTowers(root: string): Promise<string[]> {
  return listFolder(root, {
    acceptFile: (entry) => (entry.isFile() || entry.isSymbolicLink()) && isWeightFile(entry.name),
    isLeafFolder: holdsWeights,
  });
}
