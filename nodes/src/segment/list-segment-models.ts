/**
 * @module
 * The models SegmentModelLoader offers: `.onnx` files anywhere under `models/segment`, as sorted POSIX
 * paths relative to it (ComfyUI's folder convention; the JSON configs beside them are not listed).
 */
import { listFolder } from '../files/list-folder';

/** The folder under the models directory that holds segmentation models. */
export const SEGMENT_MODELS_FOLDER = 'segment';

/**
 * @example
 * await listSegmentModels(join(env.dirs.models, SEGMENT_MODELS_FOLDER)); // ['isnet.onnx']
 */
export function listSegmentModels(root: string): Promise<string[]> {
  return listFolder(root, {
    acceptFile: (entry) =>
      entry.name.toLowerCase().endsWith('.onnx') && (entry.isFile() || entry.isSymbolicLink()),
  });
}
