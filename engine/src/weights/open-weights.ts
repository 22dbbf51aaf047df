/**
 * @module
 * One entry point for any supported weight file. The content decides, not the name: a ZIP signature means
 * a torch archive, a little-endian length followed by `{` means safetensors. The extension only breaks
 * ties for files too damaged to recognise, so the error then comes from the reader the user expected.
 */
import { extname } from 'node:path';
import { EngineError } from '../errors/engine-error';
import type { Tensor } from '../tensor/tensor';
import { openSafetensors } from './safetensors-reader';
import { openTorchFile } from './torch-reader';
import { withWeightFile } from './weight-file';
import type { WeightReader } from './weight-reader';

/** File extensions torch.save output usually carries. */
export const TORCH_EXTENSIONS: readonly string[] = ['.bin', '.pt', '.pth', '.th', '.ckpt'];

type WeightFormat = 'safetensors' | 'torch';

const OPENERS = {
  safetensors: openSafetensors,
  torch: openTorchFile,
} as const satisfies Record<WeightFormat, (path: string) => Promise<WeightReader>>;

async function sniff(path: string): Promise<WeightFormat | undefined> {
  const head = await withWeightFile(path, async (h) => {
    const buf = new Uint8Array(9);
    const { bytesRead } = await h.read(buf, 0, 9, 0);
    return buf.subarray(0, bytesRead);
  });
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)
    return 'torch';
  if (head.length === 9 && head[8] === 0x7b /* { */) return 'safetensors';
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (TORCH_EXTENSIONS.includes(ext)) return 'torch';
  return undefined;
}

/**
 * Opens a safetensors file or a torch zip archive as a `WeightReader`.
 * @example
 * const w = await openWeights('../shared/fixtures/tiny-moma/llava/pytorch_model.bin');
 * const emb = await w.readFloat32('model.embed_tokens.weight');
 * await w.close();
 */
export async function openWeights(path: string): Promise<WeightReader> {
  const format = await sniff(path);
  if (!format) {
    throw new EngineError(
      'weight_format_unknown',
      `${path}: not a safetensors file or torch archive (expected .safetensors or one of ${TORCH_EXTENSIONS.join(' ')})`,
      { path },
    );
  }
  return OPENERS[format](path);
}

/**
 * Run `fn` on the weights at `path` and close the reader afterwards, whether `fn` succeeds or throws.
 * @example
 * const weights = await withWeightReader(path, (r) => WeightMap.load(r, selector));
 */
export async function withWeightReader<T>(
  path: string,
  fn: (reader: WeightReader) => Promise<T>,
): Promise<T> {
  const reader = await openWeights(path);
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
}

/**
 * Every tensor whose key starts with `<prefix>.` as float32, keyed without the prefix.
 * @example
 * const attention = await readWeightSection('models/moma/attn_adapters_projectors.th', 'self_cross_attentions');
 * attention.get('0.to_k_ip.weight');
 */
export function readWeightSection(path: string, prefix: string): Promise<Map<string, Tensor<'float32'>>> {
  return withWeightReader(path, async (r) => {
    const out = new Map<string, Tensor<'float32'>>();
    for (const key of r.keys()) {
      if (key.startsWith(`${prefix}.`)) out.set(key.slice(prefix.length + 1), await r.readFloat32(key));
    }
    return out;
  });
}
