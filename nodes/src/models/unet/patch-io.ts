/**
 * @module
 * The graph inputs and outputs that patches declare while the UNet is built, with the names they get
 * in the graph (`patch.<patch id>.<key>`) and the keys patches use to feed and read them per step.
 */
import type { Dim, DType, OnnxBuilder, Value } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';
import type { PatchInputLifetime, PatchPass } from './model-patch';

/** An input a patch declared. */
export interface PatchInputSpec {
  readonly patchId: string;
  /** `name` for patch-wide inputs, `pointKey(point, name)` for per-point ones. */
  readonly key: string;
  readonly graphName: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
  /** Fed once per run (`runInputs`) or per call (`stepInputs`). */
  readonly per: PatchInputLifetime;
}

/** A graph output a patch added. */
export interface PatchOutputSpec {
  readonly patchId: string;
  readonly key: string;
  readonly graphName: string;
  /** Fetched by every sampling call, or only by the patch's reference pass. */
  readonly pass: PatchPass;
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
 * const gain = io.patchInput('moma', 'gain', 'float32', [1], 'step');
 * io.output('maps', pointKey(point, 'probs'), probs, 'sample');
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
  pointInput<D extends DType>(
    patchId: string,
    key: string,
    dtype: D,
    shape: readonly Dim[],
    per: PatchInputLifetime,
  ): Value<D> {
    const spec: PatchInputSpec = {
      patchId,
      key,
      graphName: `patch.${patchId}.${key}`,
      dtype,
      shape: [...shape],
      per,
    };
    const value = this.#b.input(spec.graphName, dtype, shape);
    this.#inputs.push(spec);
    return value;
  }

  /** Declare (once) or fetch a patch-wide input; a second declaration must agree on all but the point. */
  patchInput<D extends DType>(
    patchId: string,
    name: string,
    dtype: D,
    shape: readonly Dim[],
    per: PatchInputLifetime,
  ): Value<D> {
    const id = `${patchId}/${name}`;
    const known = this.#shared.get(id);
    if (known !== undefined) {
      const { spec } = known;
      if (spec.dtype !== dtype || !sameShape(spec.shape, shape) || spec.per !== per) {
        throw new EngineError(
          'patch_input_conflict',
          `patch '${patchId}' declared input '${name}' as ${spec.dtype} [${spec.shape.join(', ')}] per ${spec.per} and as ${dtype} [${shape.join(', ')}] per ${per}`,
          { patchId, name },
        );
      }
      return known.value as Value<D>;
    }
    const value = this.pointInput(patchId, name, dtype, shape, per);
    const spec = this.#inputs.at(-1);
    if (spec !== undefined) this.#shared.set(id, { spec, value });
    return value;
  }

  /** Make `value` a graph output under `key`, fetched by the given pass. */
  output(patchId: string, key: string, value: Value, pass: PatchPass): void {
    const graphName = `patch.${patchId}.${pass === 'reference' ? 'reference.' : ''}${key}`;
    this.#b.output(value, graphName);
    this.#outputs.push({ patchId, key, graphName, pass });
  }
}
