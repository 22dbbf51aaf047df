/**
 * @module
 * Writes torch.save zip archives in the layout torch itself writes (`<archive>/data.pkl` protocol 2,
 * `<archive>/byteorder`, one `<archive>/data/<key>` storage per tensor aligned to 64 bytes,
 * `<archive>/version`), so the files momaflow makes (the tiny MLLM and MoMA adapter, benchmark
 * checkpoints) have the real layout users' files have. Storages are written one at a time from
 * callbacks, so a shard of gigabytes never sits in memory.
 */
import { EngineError } from '../errors/engine-error';
import { PickleWriter } from './pickle-writer';
import type { WeightDType } from './weight-reader';
import { fileZipSink, ZipWriter } from './zip-writer';

/** A tensor as torch pickles it: a view of storage `key` of `numel` elements. */
export interface TensorViewSpec {
  readonly storageType:
    | 'FloatStorage'
    | 'HalfStorage'
    | 'BFloat16Storage'
    | 'DoubleStorage'
    | 'LongStorage'
    | 'IntStorage'
    | 'ByteStorage'
    | 'BoolStorage';
  readonly key: string;
  readonly numel: number;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** Wrap in `torch._utils._rebuild_parameter`, as an `nn.Parameter` is saved. */
  readonly parameter?: boolean;
}

/** A nested dict of tensors (values of MoMA's `.th` file are such dicts). */
export interface StateTree {
  readonly [key: string]: TensorViewSpec | StateTree;
}

function isView(v: TensorViewSpec | StateTree): v is TensorViewSpec {
  return typeof v.storageType === 'string';
}

function ints(w: PickleWriter, xs: readonly number[]): void {
  w.mark();
  for (const x of xs) w.int(x);
  w.tuple();
}

/** Appends the opcodes torch emits for one tensor. */
export function writeTensor(w: PickleWriter, t: TensorViewSpec): void {
  if (t.parameter) w.global('torch._utils', '_rebuild_parameter').mark();
  w.global('torch._utils', '_rebuild_tensor_v2').mark();
  w.mark()
    .str('storage')
    .global('torch', t.storageType)
    .str(t.key)
    .str('cpu')
    .int(t.numel)
    .tuple()
    .binpersid();
  w.int(t.offset);
  ints(w, t.shape);
  ints(w, t.stride);
  w.bool(false).global('collections', 'OrderedDict').emptyTuple().reduce();
  w.tuple().reduce();
  if (t.parameter) w.bool(true).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
}

function writeTree(w: PickleWriter, tree: StateTree, ordered: boolean): void {
  if (ordered) w.global('collections', 'OrderedDict').emptyTuple().reduce();
  else w.emptyDict();
  w.mark();
  for (const [k, v] of Object.entries(tree)) {
    w.str(k);
    if (isView(v)) writeTensor(w, v);
    else writeTree(w, v, false);
  }
  w.setitems();
  if (ordered) {
    // state_dict()'s `_metadata` attribute, which torch pickles as BUILD state.
    w.emptyDict()
      .str('_metadata')
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .setitem()
      .build();
  }
}

/**
 * A protocol-2 pickle of a state dict: the root is an OrderedDict (with `_metadata`), nested dicts plain.
 * @example
 * const pkl = torchStatePickle({ w: { storageType: 'FloatStorage', key: '0', numel: 4, offset: 0, shape: [2, 2], stride: [2, 1] } });
 */
export function torchStatePickle(tree: StateTree): Uint8Array {
  const w = new PickleWriter().proto(2);
  writeTree(w, tree, true);
  return w.stop().bytes();
}

/** One tensor to save: its stored type, shape, and a callback giving its little-endian bytes. */
export interface TorchSaveTensor {
  readonly dtype: Extract<WeightDType, 'F32' | 'F16' | 'BF16' | 'I64'>;
  readonly shape: readonly number[];
  readonly bytes: () => Uint8Array | Promise<Uint8Array>;
}

/** What to save: tensors in nested dicts (a state dict is one level). */
export interface TorchSaveTree {
  readonly [key: string]: TorchSaveTensor | TorchSaveTree;
}

const STORAGE = {
  F32: { type: 'FloatStorage', bytes: 4 },
  F16: { type: 'HalfStorage', bytes: 2 },
  BF16: { type: 'BFloat16Storage', bytes: 2 },
  I64: { type: 'LongStorage', bytes: 8 },
} as const satisfies Record<TorchSaveTensor['dtype'], { type: TensorViewSpec['storageType']; bytes: number }>;

function isSaveTensor(v: TorchSaveTensor | TorchSaveTree): v is TorchSaveTensor {
  return typeof v.bytes === 'function';
}

function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) stride[i] = stride[i + 1]! * shape[i + 1]!;
  return stride;
}

/** The pickle's view tree plus the storages in key order. */
function plan(tree: TorchSaveTree): { views: StateTree; storages: [string, TorchSaveTensor][] } {
  const storages: [string, TorchSaveTensor][] = [];
  const visit = (t: TorchSaveTree): StateTree =>
    Object.fromEntries(
      Object.entries(t).map(([name, v]) => {
        if (!isSaveTensor(v)) return [name, visit(v)];
        const key = String(storages.length);
        storages.push([key, v]);
        const numel = v.shape.reduce((a, d) => a * d, 1);
        const view: TensorViewSpec = {
          storageType: STORAGE[v.dtype].type,
          key,
          numel,
          offset: 0,
          shape: v.shape,
          stride: contiguousStride(v.shape),
        };
        return [name, view];
      }),
    );
  return { views: visit(tree), storages };
}

/**
 * Write `tree` as a torch.save archive at `path` (atomically: a temporary file renamed at the end).
 * Each tensor's `bytes()` is called once, in order, after the previous one was written.
 * @example
 * await writeTorchFile('pytorch_model.bin', {
 *   'model.norm.weight': { dtype: 'F16', shape: [64], bytes: () => f16Bytes },
 * });
 */
export async function writeTorchFile(
  path: string,
  tree: TorchSaveTree,
  options: { readonly archive?: string } = {},
): Promise<void> {
  const archive = options.archive ?? 'archive';
  const { views, storages } = plan(tree);
  const sink = fileZipSink(path);
  try {
    const zip = new ZipWriter(sink);
    const text = new TextEncoder();
    zip.add(`${archive}/data.pkl`, torchStatePickle(views));
    zip.add(`${archive}/byteorder`, text.encode('little'));
    for (const [key, t] of storages) {
      const bytes = await t.bytes();
      const expected = t.shape.reduce((a, d) => a * d, 1) * STORAGE[t.dtype].bytes;
      if (bytes.byteLength !== expected) {
        throw new EngineError(
          'invalid_shape',
          `${path}: storage ${key} has ${bytes.byteLength} bytes, [${t.shape.join(', ')}] ${t.dtype} needs ${expected}`,
          { path },
        );
      }
      zip.add(`${archive}/data/${key}`, bytes, { align: 64 });
    }
    zip.add(`${archive}/version`, text.encode('3\n'));
    zip.finish();
    sink.commit();
  } catch (err) {
    sink.abort();
    throw err;
  }
}
