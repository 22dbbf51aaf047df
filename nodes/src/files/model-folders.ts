/**
 * @module
 * The model folders under `models/` as ComfyUI clients see them (`GET /models`, `/models/{folder}`,
 * `/embeddings`): ComfyUI's folder names, each listing only the files a loader could read there.
 * `checkpoints` lists what CheckpointLoaderSimple offers (diffusers folders included); `configs`
 * lists YAML files; every other folder lists files with a model extension.
 */
import { join } from 'node:path';
import { listCheckpoints } from '../diffusion/list-checkpoints';
import { listFolder } from './list-folder';

/** ComfyUI's model folder names (`folder_paths.folder_names_and_paths`), offered even when empty. */
export const MODEL_FOLDERS: readonly string[] = [
  'checkpoints',
  'classifiers',
  'clip_vision',
  'configs',
  'controlnet',
  'diffusers',
  'diffusion_models',
  'embeddings',
  'gligen',
  'hypernetworks',
  'loras',
  'photomaker',
  'style_models',
  'text_encoders',
  'upscale_models',
  'vae',
  'vae_approx',
];

/**
 * Extensions of model files: ComfyUI's (`supported_pt_extensions`) plus the formats momaflow's
 * loaders also read (ONNX segmenters, MoMA's `.th` adapter, GGUF).
 */
export const MODEL_FILE_EXTENSIONS: readonly string[] = [
  '.safetensors',
  '.sft',
  '.ckpt',
  '.pt',
  '.pt2',
  '.pth',
  '.bin',
  '.pkl',
  '.th',
  '.onnx',
  '.gguf',
];
const CONFIG_EXTENSIONS: readonly string[] = ['.yaml', '.yml'];

const hasExtension = (name: string, extensions: readonly string[]) =>
  extensions.some((ext) => name.toLowerCase().endsWith(ext));

/**
 * The model files in `<modelsDir>/<folder>`, as sorted POSIX paths relative to it (nothing for a
 * missing folder). `folder` must be a single, already checked path segment.
 * @example
 * await listModelFiles('/data/models', 'loras'); // ['detail.safetensors', 'styles/ink.safetensors']
 */
export function listModelFiles(modelsDir: string, folder: string): Promise<string[]> {
  const root = join(modelsDir, folder);
  if (folder === 'checkpoints') return listCheckpoints(root);
  const extensions = folder === 'configs' ? CONFIG_EXTENSIONS : MODEL_FILE_EXTENSIONS;
  return listFolder(root, {
    acceptFile: (entry) => hasExtension(entry.name, extensions) && (entry.isFile() || entry.isSymbolicLink()),
  });
}

/** Strips the model extension, as ComfyUI's `/embeddings` lists embedding names. */
export function modelName(file: string): string {
  const ext = MODEL_FILE_EXTENSIONS.find((e) => file.toLowerCase().endsWith(e));
  return ext ? file.slice(0, -ext.length) : file;
}
