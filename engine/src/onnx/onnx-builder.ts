/**
 * @module
 * The typed ONNX graph builder. Block helpers (`linear`, `attention`, ...) call it to emit nodes; names
 * come from a scope stack so that node and initializer names read like checkpoint key paths
 * (`down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight`), which is what makes hook
 * points and error messages name the same thing.
 */
import { EngineError } from '../errors/engine-error';
import type { DType } from '../tensor/tensor';
import { Tensor } from '../tensor/tensor';
import type { OnnxAttrs } from './attributes';
import { type FloatDType, floatTensor } from './dtypes';
import type { ExternalDataWriter } from './external-data-writer';
import type {
  OnnxExternalInitializerRecord,
  OnnxGraphSnapshot,
  OnnxInitializerRecord,
  OnnxNodeRecord,
  OnnxValueInfo,
} from './graph-snapshot';
import { encodeModel, type OnnxBuildOptions } from './model-encoder';
import { NameRegistry } from './name-registry';
import type { OnnxModel } from './onnx-model';
import type { Dim, Value } from './value';

/** Options of `OnnxBuilder.create`. */
export interface OnnxBuilderOptions {
  /** Graph name stored in the model. Default `'momaflow'`. */
  readonly name?: string;
  /** Default-domain opset, 17 or later (LayerNormalization needs 17). Default 17. */
  readonly opset?: number;
  /**
   * Write initializers of at least `externalData.threshold` bytes to this file as they are added,
   * instead of keeping them until `build()` (which then finishes the file): for models too big to
   * hold in memory. The model must be written into the writer's directory.
   */
  readonly externalData?: ExternalDataWriter;
}

/** Per-node options of `op`/`opN`. */
export interface OpOptions {
  /** Local node name, prefixed by the current scope; default the op type. Made unique by `_1`, `_2`... */
  readonly name?: string;
  /** Operator domain; `'com.microsoft'` for onnxruntime contrib ops. Default the ONNX domain. */
  readonly domain?: string;
  /** Output shape when the caller knows it (the builder does no shape inference). */
  readonly shape?: readonly Dim[];
}

/** An op input: a value, or `null` for an omitted optional input. */
export type OpInput = Value | null;

/** Contrib-op domains and the opset version the builder imports for each. */
const DOMAIN_VERSIONS: Readonly<Record<string, number>> = { 'com.microsoft': 1 };
const MIN_OPSET = 17;
const MAX_OPSET = 23;

/** Input names with omitted inputs as `''`, trailing omitted ones dropped (ONNX allows either). */
function trimOmitted(inputs: readonly OpInput[]): string[] {
  const names = inputs.map((v) => v?.name ?? '');
  while (names.length > 0 && names.at(-1) === '') names.pop();
  return names;
}

/**
 * Builds one ONNX graph. Not thread-safe by design: one builder per model build.
 * @example
 * const b = OnnxBuilder.create({ opset: 17 });
 * const x = b.input('x', 'float32', ['batch', 4]);
 * const y = linear(b, { weight, bias }, x, { name: 'proj' });
 * b.output(b.op('Relu', [y]), 'y');
 * const model = b.build(); // model.bytes, model.hash
 */
export class OnnxBuilder {
  readonly name: string;
  readonly opset: number;
  readonly #scopes: string[] = [];
  readonly #owned = new WeakSet<Value>();
  readonly #valueNames = new NameRegistry('value');
  readonly #nodeNames = new NameRegistry('node');
  readonly #inputs: OnnxValueInfo[] = [];
  readonly #outputs: OnnxValueInfo[] = [];
  readonly #initializers: OnnxInitializerRecord[] = [];
  readonly #external: OnnxExternalInitializerRecord[] = [];
  readonly #writer: ExternalDataWriter | undefined;
  readonly #nodes: OnnxNodeRecord[] = [];
  readonly #domains = new Map<string, number>();

  private constructor(name: string, opset: number, writer: ExternalDataWriter | undefined) {
    this.name = name;
    this.opset = opset;
    this.#writer = writer;
  }

  static create(options: OnnxBuilderOptions = {}): OnnxBuilder {
    const opset = options.opset ?? MIN_OPSET;
    if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new EngineError('invalid_opset', `'opset' ${opset} is out of range [${MIN_OPSET}, ${MAX_OPSET}]`);
    }
    return new OnnxBuilder(options.name ?? 'momaflow', opset, options.externalData);
  }

  /** Dotted path of the current scope (`''` at top level). */
  get scopePath(): string {
    return this.#scopes.join('.');
  }

  /** `local` prefixed with the current scope path. */
  scopedName(local: string): string {
    return this.#scopes.length === 0 ? local : `${this.scopePath}.${local}`;
  }

  /**
   * Run `fn` with `name` pushed on the scope stack; names created inside get the prefix.
   * @example
   * b.scope('down_blocks', () => b.scope(0, () => resnet(b, x)));
   */
  scope<T>(name: string | number, fn: () => T): T {
    const part = String(name);
    if (part === '' || part.includes('.')) {
      throw new EngineError('invalid_name', `scope name '${part}' must be non-empty and contain no '.'`);
    }
    this.#scopes.push(part);
    try {
      return fn();
    } finally {
      this.#scopes.pop();
    }
  }

  /** Declare a graph input; `name` is used as is (not scoped). */
  input<D extends DType>(name: string, dtype: D, shape: readonly Dim[]): Value<D> {
    for (const d of shape) {
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) {
        throw new EngineError('invalid_shape', `input '${name}' has an invalid dimension ${d}`);
      }
    }
    const v = this.#newValue(this.#valueNames.claim(name), dtype, [...shape]);
    this.#inputs.push({ name: v.name, dtype, shape: v.shape });
    return v;
  }

  /**
   * Mark `value` as a graph output, renamed to `name` through an Identity node when given.
   * @example
   * b.output(noisePred, 'noise_pred');
   */
  output<D extends DType>(value: Value<D>, name?: string, shape?: readonly Dim[]): Value<D> {
    this.#check(value);
    let out = value;
    if (name !== undefined && name !== value.name) {
      const outName = this.#valueNames.claim(name);
      this.#nodes.push({
        name: this.#nodeNames.claim(`${name}.Identity`),
        opType: 'Identity',
        domain: '',
        inputs: [value.name],
        outputs: [outName],
        attrs: {},
      });
      out = this.#newValue(outName, value.dtype, value.shape);
    }
    if (this.#outputs.some((o) => o.name === out.name)) {
      throw new EngineError('duplicate_name', `'${out.name}' is already a graph output`);
    }
    this.#outputs.push({ name: out.name, dtype: out.dtype, shape: shape ?? out.shape });
    return out;
  }

  /**
   * Store `tensor` with the model under the scoped name `localName` (a checkpoint key such as
   * `to_q.weight` inside scope `...attn1`). Names must be unique: a clash means two weights were mapped
   * to one key, so it throws instead of renaming.
   */
  initializer<D extends DType>(localName: string, tensor: Tensor<D>): Value<D> {
    return this.#store(this.#valueNames.claim(this.scopedName(localName)), tensor);
  }

  /** An anonymous constant (a uniquely named initializer under the current scope). */
  constant<D extends DType>(tensor: Tensor<D>, localName = 'const'): Value<D> {
    return this.#store(this.#valueNames.claimUnique(this.scopedName(localName)), tensor);
  }

  /** A 1-D int64 constant, e.g. a Reshape target or Transpose-free axes list. */
  constInt64(values: readonly number[]): Value<'int64'> {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.constant(new Tensor('int64', [values.length], data), 'shape');
  }

  /** A float constant of `dtype` (a scalar unless `shape` is given). */
  constFloat<D extends FloatDType>(
    dtype: D,
    values: number | readonly number[],
    shape?: readonly number[],
  ): Value<D> {
    const data = typeof values === 'number' ? Float32Array.of(values) : Float32Array.from(values);
    const dims = shape ?? (typeof values === 'number' ? [] : [data.length]);
    return this.constant(floatTensor(dtype, dims, data), 'const');
  }

  /**
   * Emit one single-output node. The output dtype is the first input's unless `opts.dtype` says otherwise.
   * @example
   * const h = b.op('Mul', [x, b.op('Sigmoid', [x])]);
   * const idx = b.op('Shape', [x], {}, { dtype: 'int64' });
   */
  op<D extends DType>(
    type: string,
    inputs: readonly OpInput[],
    attrs: OnnxAttrs | undefined,
    opts: OpOptions & { readonly dtype: D },
  ): Value<D>;
  op<D extends DType>(
    type: string,
    inputs: readonly [Value<D>, ...OpInput[]],
    attrs?: OnnxAttrs,
    opts?: OpOptions,
  ): Value<D>;
  op(
    type: string,
    inputs: readonly OpInput[],
    attrs: OnnxAttrs = {},
    opts: OpOptions & { readonly dtype?: DType } = {},
  ): Value {
    const first = inputs[0];
    const dtype = opts.dtype ?? first?.dtype;
    if (dtype === undefined) {
      throw new EngineError(
        'missing_dtype',
        `op '${type}' has no first input to take the output dtype from; pass 'dtype'`,
      );
    }
    const [out] = this.#emit(type, inputs, attrs, opts, [dtype]);
    return out!;
  }

  /**
   * Emit a node with several outputs, one dtype each (outputs past `dtypes.length` are left off).
   * @example
   * const [values, indices] = b.opN('TopK', [x, k], { axis: -1 }, { dtypes: ['float32', 'int64'] });
   */
  opN<const T extends readonly DType[]>(
    type: string,
    inputs: readonly OpInput[],
    attrs: OnnxAttrs,
    opts: OpOptions & { readonly dtypes: T },
  ): { -readonly [K in keyof T]: Value<T[K]> } {
    return this.#emit(type, inputs, attrs, opts, opts.dtypes) as { -readonly [K in keyof T]: Value<T[K]> };
  }

  /** The graph so far, as read-only data (shares arrays' contents, not the arrays). */
  snapshot(): OnnxGraphSnapshot {
    return {
      name: this.name,
      opset: this.opset,
      domains: Object.fromEntries([...this.#domains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      inputs: [...this.#inputs],
      outputs: [...this.#outputs],
      initializers: [...this.#initializers],
      externalInitializers: [...this.#external],
      nodes: [...this.#nodes],
    };
  }

  /**
   * Serialize the graph: deterministic bytes and their sha256 (`model.hash`).
   * @example
   * const model = b.build({ externalDataThreshold: 1024 });
   */
  build(options: OnnxBuildOptions = {}): OnnxModel {
    if (this.#outputs.length === 0) {
      throw new EngineError('no_outputs', `graph '${this.name}' has no outputs; call output() first`);
    }
    if (this.#writer !== undefined && options.externalDataThreshold !== undefined) {
      throw new EngineError(
        'invalid_option',
        `graph '${this.name}' streams its weights to '${this.#writer.path}'; 'externalDataThreshold' does not apply`,
      );
    }
    return encodeModel(this.snapshot(), options, this.#writer?.finish() ?? null);
  }

  #emit(
    type: string,
    inputs: readonly OpInput[],
    attrs: OnnxAttrs,
    opts: OpOptions,
    dtypes: readonly DType[],
  ): Value[] {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(type)) {
      throw new EngineError('invalid_name', `op type '${type}' is not a valid ONNX operator name`);
    }
    for (const v of inputs) if (v !== null) this.#check(v);
    const domain = opts.domain ?? '';
    if (domain !== '') {
      const version = DOMAIN_VERSIONS[domain];
      if (version === undefined) {
        throw new EngineError(
          'unknown_domain',
          `op domain '${domain}' is not one of: ${Object.keys(DOMAIN_VERSIONS).join(', ')}`,
        );
      }
      this.#domains.set(domain, version);
    }
    const nodeName = this.#nodeNames.claimUnique(this.scopedName(opts.name ?? type));
    const outs = dtypes.map((dtype, i) => {
      const name = this.#valueNames.claimUnique(`${nodeName}_output_${i}`);
      return this.#newValue(name, dtype, dtypes.length === 1 ? opts.shape : undefined);
    });
    this.#nodes.push({
      name: nodeName,
      opType: type,
      domain,
      inputs: trimOmitted(inputs),
      outputs: outs.map((v) => v.name),
      attrs,
    });
    return outs;
  }

  #check(v: Value): void {
    if (!this.#owned.has(v)) {
      throw new EngineError('foreign_value', `value '${v.name}' was not created by this builder`);
    }
  }

  #store<D extends DType>(name: string, tensor: Tensor<D>): Value<D> {
    if (this.#writer?.accepts(tensor) === true) {
      const ref = this.#writer.write(tensor);
      this.#external.push({ name, dtype: tensor.dtype, shape: [...tensor.shape], ref });
    } else {
      this.#initializers.push({ name, tensor });
    }
    return this.#newValue(name, tensor.dtype, tensor.shape);
  }

  #newValue<D extends DType>(name: string, dtype: D, shape: readonly Dim[] | undefined): Value<D> {
    const v: Value<D> = Object.freeze({
      name,
      dtype,
      shape: shape === undefined ? undefined : Object.freeze([...shape]),
    });
    this.#owned.add(v);
    return v;
  }
}
