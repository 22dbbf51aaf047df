/**
 * @module
 * Loading a torch.save zip archive (torch >= 1.6 format, torch/csrc/jit/serialization): one top folder
 * `<archive>/` holding `data.pkl` (the object graph), `data/<key>` (raw storages), `byteorder` and
 * `version`. The pickle is decoded by the restricted unpickler and turned into plain values whose tensor
 * leaves are lazy handles; storages stay on disk until a handle is read.
 */
import { EngineError } from '../errors/engine-error';
import { PickleTuple, unpickle } from './pickle-machine';
import {
  createTorchPickleHooks,
  TorchDTypeObject,
  TorchStorageRef,
  TorchStorageType,
  TorchTensorRef,
} from './torch-globals';
import type { StorageLoader } from './torch-tensor';
import { TorchTensorHandle } from './torch-tensor';
import type { ByteSource } from './weight-file';
import { ZipArchive } from './zip-archive';

/** A value of a decoded torch file: dicts become plain objects, lists and tuples arrays, tensors handles. */
export type TorchTreeValue =
  | TorchTensorHandle
  | TorchTree
  | readonly TorchTreeValue[]
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array;

/** A decoded dict (an `OrderedDict` state dict, or MoMA's nested `{projectors: {...}, ...}`). */
export interface TorchTree {
  readonly [key: string]: TorchTreeValue;
}

/** Limits the work a hostile pickle can cause with shared sub-containers (DAGs that expand exponentially). */
const MAX_NODES = 2_000_000;
const MAX_DEPTH = 1_000;

/** Rejects the legacy (pre-1.6, non-zip) torch format with a message saying what to do. */
async function assertZip(src: ByteSource): Promise<void> {
  const size = await src.size();
  const magic = await src.read(0, Math.min(4, size));
  const isZip =
    magic.length === 4 && magic[0] === 0x50 && magic[1] === 0x4b && magic[2] === 0x03 && magic[3] === 0x04;
  if (isZip) return;
  // torch's legacy format is a bare pickle, which starts with a PROTO opcode.
  const legacy = magic[0] === 0x80;
  throw new EngineError(
    legacy ? 'torch_legacy_format' : 'torch_not_an_archive',
    legacy
      ? `${src.path}: legacy (pre-1.6) torch format is not supported; re-save it with torch.save or convert it to safetensors`
      : `${src.path}: not a torch zip archive (no ZIP signature)`,
    { path: src.path },
  );
}

/** Leaves that are neither containers nor tensors keep a readable description. */
function describeLeaf(v: unknown): TorchTreeValue {
  if (v instanceof TorchDTypeObject || v instanceof TorchStorageType) return `${v.module}.${v.name}`;
  if (v instanceof TorchStorageRef) return `storage:${v.key}`;
  if (v === null || v instanceof Uint8Array) return v;
  if (['string', 'number', 'bigint', 'boolean'].includes(typeof v))
    return v as string | number | bigint | boolean;
  if (typeof v === 'object' && 'module' in v && 'name' in v) return `${String(v.module)}.${String(v.name)}`;
  return String(v);
}

/**
 * Converts the decoded object graph into a `TorchTreeValue`. Rejects cycles, excessive depth, and graphs
 * that would expand beyond `MAX_NODES` because containers are shared.
 */
function toTree(
  root: unknown,
  leaf: (ref: TorchTensorRef, name: string) => TorchTensorHandle,
  path: string,
): TorchTreeValue {
  let budget = MAX_NODES;
  const onPath = new Set<unknown>();
  const walk = (v: unknown, name: string, depth: number): TorchTreeValue => {
    if (--budget < 0 || depth > MAX_DEPTH) {
      throw new EngineError('pickle_malformed', `${path}: object graph is too large or too deep`, { path });
    }
    if (v instanceof TorchTensorRef) return leaf(v, name);
    if (!(v instanceof Map || Array.isArray(v) || v instanceof PickleTuple)) return describeLeaf(v);
    if (onPath.has(v))
      throw new EngineError('pickle_malformed', `${path}: object graph has a cycle at '${name}'`, { path });
    onPath.add(v);
    const child = (k: unknown): string => (name === '' ? String(k) : `${name}.${String(k)}`);
    let out: TorchTreeValue;
    if (v instanceof Map) {
      // Object.fromEntries defines own properties, so a key like "__proto__" stays an ordinary key.
      const keys = [...v.keys()].map(String);
      if (new Set(keys).size !== keys.length) {
        throw new EngineError(
          'torch_duplicate_key',
          `${path}: dict at '${name}' has keys that collide as strings`,
          { path },
        );
      }
      out = Object.fromEntries([...v].map(([k, x]) => [String(k), walk(x, child(k), depth + 1)]));
    } else {
      const items: readonly unknown[] = v instanceof PickleTuple ? v.items : v;
      out = items.map((x, i) => walk(x, child(i), depth + 1));
    }
    onPath.delete(v);
    return out;
  };
  return walk(root, '', 0);
}

/**
 * Decodes the pickle of a torch archive; each tensor handle reads its storage through `src`.
 * @example
 * const root = await loadTorchArchive(reopeningSource('model.pt'));
 */
export async function loadTorchArchive(src: ByteSource): Promise<TorchTreeValue> {
  await assertZip(src);
  const zip = await ZipArchive.open(src);
  const pkls = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    throw new EngineError(
      'torch_not_an_archive',
      `${src.path}: expected exactly one '<archive>/data.pkl' entry, found ${pkls.length}`,
      { path: src.path },
    );
  }
  const pkl = pkls[0]!;
  const prefix = pkl.slice(0, -'data.pkl'.length);
  // Archives written before torch 1.10 have no byteorder entry; they are little-endian.
  const order = zip.entries.has(`${prefix}byteorder`)
    ? new TextDecoder().decode(await zip.read(`${prefix}byteorder`)).trim()
    : 'little';
  if (order !== 'little' && order !== 'big') {
    throw new EngineError('torch_not_an_archive', `${src.path}: unknown byteorder '${order}'`, {
      path: src.path,
    });
  }
  const source = `${src.path} (${pkl})`;
  const root = unpickle(await zip.read(pkl), source, createTorchPickleHooks(source));
  const load: StorageLoader = (key, start, length) => zip.readSlice(`${prefix}data/${key}`, start, length);
  const littleEndian = order === 'little';
  return toTree(
    root,
    (ref, name) => new TorchTensorHandle({ name, ref, load, littleEndian, source: src.path }),
    src.path,
  );
}
