/**
 * @module
 * What the importer needs to know of a node type, read from `object_info` (ComfyUI's schema shape,
 * which the server builds from the registry and the editor fetches): the widgets in the order
 * ComfyUI's frontend creates them, so `widgets_values` can be matched by position, and which of them
 * carry an extra serialized value (the "control after generate" mode after a seed, the upload button
 * after an upload combo).
 */
import { ownValue } from '../../dictionary/dictionary';

export type ImportWidgetKind = 'INT' | 'FLOAT' | 'STRING' | 'BOOLEAN' | 'COMBO';

export interface ImportWidget {
  readonly name: string;
  readonly kind: ImportWidgetKind;
  /** A value the frontend stores right after this widget's own. */
  readonly extra?: 'control' | 'upload';
  /** A link-only input of a widget type (`forceInput`): no widget on a node, but one on a group node. */
  readonly forceInput?: true;
}

export interface ImportNodeType {
  /** Widgets in ComfyUI's order: required inputs, then optional ones, each in declaration order. */
  readonly widgets: readonly ImportWidget[];
  /** The same, with the `forceInput` ones in their places: what the frontend counts as widgets. */
  readonly widgetInputs: readonly ImportWidget[];
  /** Output types in order (a legacy group node's outputs follow its inner nodes'). */
  readonly outputs: readonly string[];
}

/** The part of an `object_info` entry the importer reads. */
export interface ObjectInfoEntry {
  readonly input?: {
    readonly required?: Readonly<Record<string, readonly unknown[]>>;
    readonly optional?: Readonly<Record<string, readonly unknown[]>>;
  };
  readonly input_order?: { readonly required?: readonly string[]; readonly optional?: readonly string[] };
  readonly output?: readonly unknown[];
}

export type ImportNodeTypes = (type: string) => ImportNodeType | undefined;

const SCALARS: readonly string[] = ['INT', 'FLOAT', 'STRING', 'BOOLEAN'];

function widgetOf(name: string, spec: readonly unknown[]): ImportWidget | undefined {
  const [type, rawConfig] = spec;
  const config = typeof rawConfig === 'object' && rawConfig !== null ? rawConfig : {};
  const forced = ownValue(config, 'forceInput') === true ? ({ forceInput: true } as const) : {};
  const upload = Object.keys(config).some((key) => key.endsWith('_upload') && ownValue(config, key) === true);
  if (Array.isArray(type) || type === 'COMBO')
    return { name, kind: 'COMBO', ...(upload ? { extra: 'upload' } : {}), ...forced };
  if (typeof type !== 'string' || !SCALARS.includes(type)) return undefined;
  const control = type === 'INT' && ownValue(config, 'control_after_generate') === true;
  return { name, kind: type as ImportWidgetKind, ...(control ? { extra: 'control' } : {}), ...forced };
}

function ordered(specs: Readonly<Record<string, readonly unknown[]>> | undefined, order?: readonly string[]) {
  if (!specs) return [];
  const names = order?.filter((name) => Object.hasOwn(specs, name)) ?? Object.keys(specs);
  return names.map((name) => [name, specs[name]!] as const);
}

/**
 * The importer's view of every node type in `info`.
 * @example
 * const types = importNodeTypes(await objectInfo(registry, env));
 * types('KSampler')?.widgets[0]; // { name: 'seed', kind: 'INT', extra: 'control' }
 */
export function importNodeTypes(info: Readonly<Record<string, ObjectInfoEntry>>): ImportNodeTypes {
  const cache = new Map<string, ImportNodeType>();
  return (type) => {
    const entry = ownValue(info, type) as ObjectInfoEntry | undefined;
    if (!entry) return undefined;
    let result = cache.get(type);
    if (!result) {
      const inputs = [
        ...ordered(entry.input?.required, entry.input_order?.required),
        ...ordered(entry.input?.optional, entry.input_order?.optional),
      ];
      const widgetInputs = inputs.flatMap(([name, spec]) => widgetOf(name, spec) ?? []);
      result = {
        widgets: widgetInputs.filter((w) => !w.forceInput),
        widgetInputs,
        outputs: (entry.output ?? []).map((type) => (typeof type === 'string' ? type : 'COMBO')),
      };
      cache.set(type, result);
    }
    return result;
  };
}
