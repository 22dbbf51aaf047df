/**
 * @module
 * The whitelist of the torch unpickler and the values its entries produce. torch.save's pickle
 * (torch/serialization.py `_save`) names only these globals for a state dict: `collections.OrderedDict`,
 * `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter` (tensor reconstruction), storage classes such
 * as `torch.HalfStorage` inside persistent ids, and occasionally dtype objects. Everything else, such as
 * `os.system`, `builtins.eval` or `subprocess.Popen`, is refused by name. "Calling" a whitelisted function
 * only records a description of a tensor; no data is read and nothing is executed while unpickling.
 */
import { EngineError } from '../errors/engine-error';
import type { PickleGlobal, PickleHooks } from './pickle-machine';
import { PickleTuple } from './pickle-machine';
import type { WeightDType } from './weight-reader';

/** Largest view a read may materialise (2^31 elements, 8 GiB as float32): beyond typed-array limits anyway. */
const MAX_VIEW_ELEMENTS = 2 ** 31;

/** `torch.<X>Storage` classes and the element type each one stores. */
const STORAGE_DTYPES = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
} as const satisfies Record<string, WeightDType>;

/** `torch.<dtype>` objects that may appear as plain values; they decode to their name. */
const DTYPE_NAMES = new Set([
  'float32',
  'float',
  'float16',
  'half',
  'bfloat16',
  'float64',
  'double',
  'int64',
  'long',
  'int32',
  'int',
  'uint8',
  'bool',
]);

/** A storage class reference, as found inside a persistent id. Not callable. */
export class TorchStorageType implements PickleGlobal {
  readonly module = 'torch';
  constructor(
    readonly name: string,
    readonly dtype: WeightDType,
  ) {}
}

/** A dtype object such as `torch.float16`. Not callable. */
export class TorchDTypeObject implements PickleGlobal {
  readonly module = 'torch';
  constructor(readonly name: string) {}
}

/** One storage of the archive: `<archive>/data/<key>`, holding `numel` elements of `dtype`. */
export class TorchStorageRef {
  constructor(
    readonly key: string,
    readonly dtype: WeightDType,
    readonly numel: number,
  ) {}
}

/** A tensor as a (possibly strided) view of a storage; its data is read only when asked for. */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Hooks that let `unpickle` decode a torch.save pickle and nothing else. `source` names the file in errors.
 * @example
 * const root = unpickle(pklBytes, 'model.pt', createTorchPickleHooks('model.pt'));
 */
export function createTorchPickleHooks(source: string): PickleHooks {
  const malformed = (problem: string): never => {
    throw new EngineError('pickle_malformed', `${source}: ${problem}`, { source });
  };
  const storages = new Map<string, TorchStorageRef>();

  const counts = (v: unknown, what: string): number[] => {
    if (!(v instanceof PickleTuple) || !v.items.every(isCount))
      malformed(`tensor ${what} is not a tuple of non-negative integers`);
    return [...(v as PickleTuple).items] as number[];
  };

  const rebuildTensor = (args: readonly unknown[]): TorchTensorRef => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof TorchStorageRef))
      return malformed('tensor rebuilt from something that is not a storage');
    if (!isCount(offset)) return malformed('tensor storage offset is not a non-negative integer');
    const shape = counts(size, 'size');
    const strides = counts(stride, 'stride');
    if (shape.length !== strides.length)
      malformed(`tensor size has ${shape.length} dims but stride has ${strides.length}`);
    // Stride-0 views (expand) can describe far more elements than the file holds; cap what a read may allocate.
    if (shape.reduce((a, b) => a * b, 1) > MAX_VIEW_ELEMENTS)
      malformed(`tensor of shape [${shape}] is too large to read`);
    if (!shape.includes(0)) {
      let last = offset;
      for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * strides[i]!;
      if (!Number.isSafeInteger(last) || last >= storage.numel) {
        malformed(
          `tensor view [${shape}] stride [${strides}] at offset ${offset} runs past its storage of ${storage.numel} elements`,
        );
      }
    }
    return new TorchTensorRef(storage, offset, shape, strides);
  };

  const unwrapParameter = (args: readonly unknown[]): TorchTensorRef => {
    if (!(args[0] instanceof TorchTensorRef))
      return malformed('parameter rebuilt from something that is not a tensor');
    return args[0];
  };

  const functions: Readonly<Record<string, (args: readonly unknown[]) => unknown>> = {
    'collections.OrderedDict': (args) => {
      // OrderedDict() in protocol 2; OrderedDict([(k, v), ...]) is accepted too. Either way a plain Map.
      const d = new Map<unknown, unknown>();
      const pairs = args[0];
      if (pairs === undefined) return d;
      if (!Array.isArray(pairs)) return malformed('OrderedDict argument is not a list of pairs');
      for (const p of pairs) {
        if (!(p instanceof PickleTuple) || p.items.length !== 2)
          return malformed('OrderedDict item is not a pair');
        d.set(p.items[0], p.items[1]);
      }
      return d;
    },
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    'torch._utils._rebuild_tensor': rebuildTensor,
    'torch._utils._rebuild_parameter': unwrapParameter,
    'torch._utils._rebuild_parameter_with_state': unwrapParameter,
    'torch.Size': (args) =>
      args[0] instanceof PickleTuple ? args[0] : malformed('torch.Size argument is not a tuple'),
  };

  return {
    resolveGlobal(module, name) {
      const qualified = `${module}.${name}`;
      const fn = Object.hasOwn(functions, qualified) ? functions[qualified] : undefined;
      if (fn) return { module, name, invoke: fn };
      if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name)) {
        return new TorchStorageType(name, STORAGE_DTYPES[name as keyof typeof STORAGE_DTYPES]);
      }
      if (module === 'torch' && DTYPE_NAMES.has(name)) return new TorchDTypeObject(name);
      throw new EngineError(
        'pickle_forbidden_global',
        `${source}: refused to load global '${qualified}': a weight file may only name torch tensor rebuild functions, storage types and OrderedDict, so this file is not a plain checkpoint and may be malicious`,
        { source, global: qualified },
      );
    },

    persistentLoad(pid) {
      // torch/serialization.py persistent_id: ('storage', storage_type, key, location, numel)
      if (!(pid instanceof PickleTuple) || pid.items[0] !== 'storage' || pid.items.length !== 5) {
        return malformed('persistent id is not a torch storage tuple');
      }
      const [, type, rawKey, , numel] = pid.items;
      if (!(type instanceof TorchStorageType)) return malformed('persistent id names no known storage type');
      if (typeof rawKey !== 'string' && typeof rawKey !== 'number')
        return malformed('storage key is not a string');
      if (!isCount(numel)) return malformed('storage size is not a non-negative integer');
      const key = String(rawKey);
      if (!/^[A-Za-z0-9_.-]+$/.test(key)) return malformed(`storage key '${key}' is not a plain name`);
      const known = storages.get(key);
      if (known) {
        if (known.dtype !== type.dtype || known.numel !== numel)
          malformed(`storage '${key}' is declared twice differently`);
        return known;
      }
      const ref = new TorchStorageRef(key, type.dtype, numel);
      storages.set(key, ref);
      return ref;
    },

    build(obj) {
      // torch pickles an OrderedDict's `_metadata` attribute (module versions) as BUILD state; it carries no
      // tensor data, so it is dropped. BUILD on anything else would mean setting attributes on an object.
      if (!(obj instanceof Map)) malformed('BUILD is only accepted on an OrderedDict');
    },
  };
}
