/**
 * @module
 * Input specifications: link inputs (sockets) and widgets. Every widget can also be driven by a link of
 * its socket type (`INT`, `FLOAT`, `STRING`, `BOOLEAN`, `COMBO`), as in ComfyUI.
 */
import type { NodeEnv } from './node-env';

interface InputCommon {
  /** May be left unset; the node then receives `undefined` (or the widget default). */
  readonly optional?: boolean;
  /** Evaluated only when the node asks: the node receives `() => Promise<value>`. */
  readonly lazy?: boolean;
  readonly tooltip?: string;
}

export interface LinkInputSpec<T extends string = string> extends InputCommon {
  readonly kind: 'link';
  readonly type: T;
}
export interface IntInputSpec extends InputCommon {
  readonly kind: 'INT';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly display?: 'number' | 'slider';
}
export interface FloatInputSpec extends InputCommon {
  readonly kind: 'FLOAT';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  /** Values are rounded to a multiple of this before the node sees them. */
  readonly round?: number;
  readonly display?: 'number' | 'slider';
}
export interface StringInputSpec extends InputCommon {
  readonly kind: 'STRING';
  readonly default: string;
  readonly multiline?: boolean;
  readonly placeholder?: string;
}
export interface BooleanInputSpec extends InputCommon {
  readonly kind: 'BOOLEAN';
  readonly default: boolean;
  readonly labelOn?: string;
  readonly labelOff?: string;
}
/** Options computed when the schema is exported or a prompt validated (e.g. files in a folder). */
export type DynamicOptions = (args: { env: NodeEnv }) => readonly string[] | Promise<readonly string[]>;
export interface ComboInputSpec<O extends string = string> extends InputCommon {
  readonly kind: 'COMBO';
  readonly options: readonly O[] | DynamicOptions;
  readonly default?: O;
  /** The editor offers an upload button that adds a file to the input folder (ComfyUI's image_upload). */
  readonly upload?: 'image' | 'mask';
  /**
   * The options are files of this model folder (e.g. `checkpoints`): the editor lists the chosen
   * file among the models a workflow needs, and marks it missing when it is not there.
   */
  readonly modelFolder?: string;
}
/** An integer seed; the editor shows ComfyUI's "control after generate" (fixed/increment/randomize). */
export interface SeedInputSpec extends InputCommon {
  readonly kind: 'SEED';
  readonly default: number;
}

export type WidgetSpec =
  | IntInputSpec
  | FloatInputSpec
  | StringInputSpec
  | BooleanInputSpec
  | ComboInputSpec
  | SeedInputSpec;
export type InputSpec = LinkInputSpec | WidgetSpec;
export type InputKind = InputSpec['kind'];
export type InputSpecs = Readonly<Record<string, InputSpec>>;

/** Largest seed: the largest integer a JSON number carries exactly. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** The socket type a link into this input must have. */
export function inputSocketType(spec: InputSpec): string {
  switch (spec.kind) {
    case 'link':
      return spec.type;
    case 'SEED':
      return 'INT';
    default:
      return spec.kind;
  }
}

type Opts<S> = Omit<S, 'kind'>;
/**
 * Builders for input specs, so definitions read like a form.
 * @example
 * inputs: { image: Input.link('IMAGE'), width: Input.int({ default: 512, min: 1, max: 16384, step: 8 }) }
 */
export const Input = {
  link: <const T extends string, const S extends InputCommon = Record<never, never>>(type: T, opts?: S) =>
    ({ ...opts, kind: 'link', type }) as { readonly kind: 'link'; readonly type: T } & S,
  int: <const S extends Opts<IntInputSpec>>(opts: S) => ({ ...opts, kind: 'INT' }) as const,
  float: <const S extends Opts<FloatInputSpec>>(opts: S) => ({ ...opts, kind: 'FLOAT' }) as const,
  string: <const S extends Opts<StringInputSpec>>(opts: S) => ({ ...opts, kind: 'STRING' }) as const,
  boolean: <const S extends Opts<BooleanInputSpec>>(opts: S) => ({ ...opts, kind: 'BOOLEAN' }) as const,
  combo: <const O extends string, const S extends Opts<ComboInputSpec<O>>>(
    opts: S & { options: readonly O[] | DynamicOptions },
  ) => ({ ...opts, kind: 'COMBO' }) as S & { kind: 'COMBO' },
  seed: <const S extends Partial<Opts<SeedInputSpec>>>(opts: S = {} as S) =>
    ({ default: 0, ...opts, kind: 'SEED' }) as S & { kind: 'SEED'; default: number },
};
