/**
 * @module
 * Builds torch.save-style zip archives for tests, byte for byte in the layout torch writes:
 * `<archive>/data.pkl` (protocol 2), `<archive>/byteorder`, `<archive>/data/<key>`, `<archive>/version`.
 */
import { PickleWriter } from './pickle-writer';
import type { ZipBuildOptions } from './zip-builder';
import { buildZip } from './zip-builder';

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

/** Contents and layout of a torch archive to build. */
export interface TorchFileSpec {
  readonly pickle: Uint8Array;
  readonly storages?: Readonly<Record<string, Uint8Array>>;
  readonly archive?: string;
  readonly byteorder?: 'little' | 'big' | null;
  readonly zip?: ZipBuildOptions;
  readonly deflatePickle?: boolean;
}

/**
 * Serialises a torch.save-style zip archive.
 * @example
 * const bytes = buildTorchFile({ pickle, storages: { '0': new Uint8Array(f32.buffer) } });
 */
export function buildTorchFile(spec: TorchFileSpec): Uint8Array {
  const a = spec.archive ?? 'archive';
  const enc = new TextEncoder();
  const files = [
    { name: `${a}/data.pkl`, data: spec.pickle, deflate: spec.deflatePickle ?? false },
    ...(spec.byteorder === null
      ? []
      : [{ name: `${a}/byteorder`, data: enc.encode(spec.byteorder ?? 'little') }]),
    ...Object.entries(spec.storages ?? {}).map(([k, data]) => ({
      name: `${a}/data/${k}`,
      data,
      localPadding: 60,
    })),
    { name: `${a}/version`, data: enc.encode('3\n') },
  ];
  return buildZip(files, spec.zip);
}
