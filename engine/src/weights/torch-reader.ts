/**
 * @module
 * `WeightReader` over torch.save files (`.bin .pt .pth .th .ckpt`), and the nested view of the same
 * file. Nested dicts flatten to dotted keys (`projectors.proj.weight`), list items to their index,
 * the way `state_dict()` names nested modules.
 */
import { EngineError } from '../errors/engine-error';
import type { Tensor } from '../tensor';
import type { TorchTree, TorchTreeValue } from './torch-archive';
import { loadTorchArchive } from './torch-archive';
import { TorchTensorHandle } from './torch-tensor';
import type { ByteSource } from './weight-file';
import { handleSource, openWeightFile, reopeningSource } from './weight-file';
import type { TensorInfo, WeightReader, WeightTensor } from './weight-reader';

/**
 * Whether a tree value is a dict (not a tensor handle, list, bytes or primitive).
 * @example
 * if (isTorchTree(tree.projectors)) Object.keys(tree.projectors);
 */
export function isTorchTree(v: TorchTreeValue | undefined): v is TorchTree {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof TorchTensorHandle) &&
    !(v instanceof Uint8Array)
  );
}

function rootDict(root: TorchTreeValue, path: string): TorchTree {
  if (!isTorchTree(root)) {
    throw new EngineError('torch_root_not_dict', `${path}: the saved object is not a dict of tensors`, {
      path,
    });
  }
  return root;
}

/** Every tensor handle of a tree by its dotted name; rejects two tensors that flatten to one name. */
function flatten(tree: TorchTree, path: string): Map<string, TorchTensorHandle> {
  const out = new Map<string, TorchTensorHandle>();
  const visit = (v: TorchTreeValue): void => {
    if (v instanceof TorchTensorHandle) {
      if (out.has(v.info.name)) {
        throw new EngineError(
          'torch_duplicate_key',
          `${path}: two tensors flatten to the name '${v.info.name}'`,
          {
            path,
            tensor: v.info.name,
          },
        );
      }
      out.set(v.info.name, v);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (isTorchTree(v)) {
      for (const x of Object.values(v)) visit(x);
    }
  };
  visit(tree);
  return out;
}

/**
 * A `WeightReader` over one torch zip archive; create it with `openTorchFile`.
 * @example
 * const r = await openTorchFile('attn_adapters_projectors.th');
 * Object.keys(r.tree); // ['projectors', 'self_cross_attentions', 'llm_mapping']
 */
export class TorchReader implements WeightReader {
  readonly path: string;
  /** The nested structure, with the same handles as the flat view. */
  readonly tree: TorchTree;
  readonly #tensors: ReadonlyMap<string, TorchTensorHandle>;
  readonly #keys: string[];
  readonly #src: ByteSource;
  #closed = false;

  private constructor(path: string, src: ByteSource, tree: TorchTree) {
    this.path = path;
    this.#src = src;
    this.tree = tree;
    this.#tensors = flatten(tree, path);
    this.#keys = [...this.#tensors.keys()].sort();
  }

  /** Opens an archive on one shared file handle, closed again if decoding fails. */
  static async open(path: string): Promise<TorchReader> {
    const src = handleSource(await openWeightFile(path), path);
    try {
      return new TorchReader(path, src, rootDict(await loadTorchArchive(src), path));
    } catch (err) {
      await src.close();
      throw err;
    }
  }

  keys(): string[] {
    return [...this.#keys];
  }

  has(name: string): boolean {
    return this.#tensors.has(name);
  }

  info(name: string): TensorInfo | undefined {
    return this.#tensors.get(name)?.info;
  }

  // async so that lookup failures reject like read failures instead of throwing synchronously.
  async read(name: string): Promise<WeightTensor> {
    return this.#handle(name).read();
  }

  async readFloat32(name: string): Promise<Tensor<'float32'>> {
    return this.#handle(name).readFloat32();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#src.close();
  }

  #handle(name: string): TorchTensorHandle {
    if (this.#closed) {
      throw new EngineError('weight_reader_closed', `${this.path}: reader is closed (reading '${name}')`, {
        path: this.path,
      });
    }
    const h = this.#tensors.get(name);
    if (!h)
      throw new EngineError('weight_not_found', `${this.path}: no tensor named '${name}'`, {
        path: this.path,
        tensor: name,
      });
    return h;
  }
}

/**
 * Opens a torch.save zip archive for lazy reads with a restricted unpickler that executes nothing.
 * Nested dicts flatten to dotted keys. Rejects with `pickle_forbidden_global` (naming the global) for any
 * pickle that names something besides tensor rebuilding, and with `torch_*`, `zip_*`, `pickle_*` codes
 * for other problems.
 * @example
 * const w = await openTorchFile('../shared/fixtures/tiny-moma/attn_adapters_projectors.th');
 * const proj = await w.readFloat32('projectors.proj.weight');
 * await w.close();
 */
export function openTorchFile(path: string): Promise<TorchReader> {
  return TorchReader.open(path);
}

/**
 * Decodes a torch file into its nested structure: dicts as plain objects, lists and tuples as arrays,
 * tensors as `TorchTensorHandle`s that open the file only while they read, so nothing needs closing.
 * @example
 * const tree = await readTorchPickle('../shared/fixtures/tiny-moma/attn_adapters_projectors.th');
 * const mapping = tree.llm_mapping; // { 'mapping.gate_proj.weight': TorchTensorHandle, ... }
 */
export async function readTorchPickle(path: string): Promise<TorchTree> {
  return rootDict(await loadTorchArchive(reopeningSource(path)), path);
}
