/**
 * @module
 * The graph inputs and outputs that patches declare while the UNet is built, with the names they get
 * in the graph (`patch.<patch id>.<key>`) and the keys patches use to feed and read them per step.
 */
import type { Dim, DType, OnnxBuilder, Value } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';

/** A per-step input a patch declared. */
export interface PatchInputSpec {
  readonly patchId: string;
  /** `name` for shared inputs, `pointKey(point, name)` for per-point ones. */
  readonly key: string;
  readonly graphName: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

/** A graph output a patch added. */
export interface PatchOutputSpec {
  readonly patchId: string;
  readonly key: string;
  readonly graphName: string;
}

const LOCAL_NAME = /^[A-Za-z0-9_]+$/;

/**
 * Throw unless `name` is a plain identifier (it becomes part of graph names and feed keys).
 * @example
 * checkLocalName('ref_k', "input of patch 'moma'");
 */
export function checkLocalName(name: string, what: string): void {
  if (!LOCAL_NAME.test(name)) {
    throw new EngineError('invalid_name', `${what} '${name}' must be letters, digits and '_' only`, { name });
  }
}

function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Collects patch inputs and outputs during one build.
 * @example
 * const io = new PatchIo(b);
 * const gain = io.sharedInput('moma', 'gain', 'float32', [1]);
 * io.output('maps', pointKey(point, 'probs'), probs);
 */
export class PatchIo {
  readonly #b: OnnxBuilder;
  readonly #inputs: PatchInputSpec[] = [];
  readonly #outputs: PatchOutputSpec[] = [];
  readonly #shared = new Map<string, { spec: PatchInputSpec; value: Value }>();

  constructor(b: OnnxBuilder) {
    this.#b = b;
  }

  get inputs(): readonly PatchInputSpec[] {
    return this.#inputs;
  }

  get outputs(): readonly PatchOutputSpec[] {
    return this.#outputs;
  }

  /** Declare a per-point input under `key`. */
  input<D extends DType>(patchId: string, key: string, dtype: D, shape: readonly Dim[]): Value<D> {
    const spec: PatchInputSpec = {
      patchId,
      key,
      graphName: `patch.${patchId}.${key}`,
      dtype,
      shape: [...shape],
    };
    const value = this.#b.input(spec.graphName, dtype, shape);
    this.#inputs.push(spec);
    return value;
  }

  /** Declare (once) or fetch a patch-wide input; a second declaration must agree on dtype and shape. */
  sharedInput<D extends DType>(patchId: string, name: string, dtype: D, shape: readonly Dim[]): Value<D> {
    const id = `${patchId}/${name}`;
    const known = this.#shared.get(id);
    if (known !== undefined) {
      if (known.spec.dtype !== dtype || !sameShape(known.spec.shape, shape)) {
        throw new EngineError(
          'patch_input_conflict',
          `patch '${patchId}' declared input '${name}' as ${known.spec.dtype} [${known.spec.shape.join(', ')}] and as ${dtype} [${shape.join(', ')}]`,
          { patchId, name },
        );
      }
      return known.value as Value<D>;
    }
    const value = this.input(patchId, name, dtype, shape);
    const spec = this.#inputs.at(-1);
    if (spec !== undefined) this.#shared.set(id, { spec, value });
    return value;
  }

  /** Make `value` a graph output under `key`. */
  output(patchId: string, key: string, value: Value): void {
    const graphName = `patch.${patchId}.${key}`;
    this.#b.output(value, graphName);
    this.#outputs.push({ patchId, key, graphName });
  }
}
