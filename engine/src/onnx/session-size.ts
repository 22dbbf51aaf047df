/**
 * @module
 * How much memory a session of a model will hold, before it is created, for the session cache's RAM
 * budget: the model's serialized bytes plus its external-data files. A CPU session keeps every
 * initializer in native memory once (onnxruntime reads external data into its own buffers), so
 * the weights' bytes are the session's size to a few percent: the full-size SD1.5 UNet's 3.44 GB of
 * float32 weights make a session of about 3.4 GB (issue 16). Activations come on top while it runs;
 * they are freed with the run, not held by the idle session the budget is about.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readExternalDataFiles } from './external-data-files';
import type { OnnxModelSource } from './session-options';

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    // A missing side file fails the session itself, with onnxruntime's message; it holds nothing.
    return 0;
  }
}

/**
 * Bytes a session of `source` holds: the model plus its external data (a file source's side files
 * are found from the locations its initializers name).
 * @example
 * await estimateSessionBytes({ path: 'unet/model.onnx' }); // model.onnx + model.onnx.data sizes
 */
export async function estimateSessionBytes(source: OnnxModelSource): Promise<number> {
  if ('bytes' in source) return source.bytes.byteLength;
  if ('model' in source) {
    const { bytes, externalData, streamedData } = source.model;
    return bytes.byteLength + (externalData?.byteLength ?? streamedData?.byteLength ?? 0);
  }
  let sides: string[];
  try {
    sides = await readExternalDataFiles(source.path);
  } catch {
    // Unreadable or not ONNX: creating the session fails with onnxruntime's message, naming the file.
    return fileSize(source.path);
  }
  const files = [source.path, ...sides.map((file) => join(dirname(source.path), file))];
  const sizes = await Promise.all(files.map(fileSize));
  return sizes.reduce((a, b) => a + b, 0);
}
