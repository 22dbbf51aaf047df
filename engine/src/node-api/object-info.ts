/**
 * @module
 * Exports node schemas as JSON in ComfyUI's `/object_info` shape, so existing ComfyUI clients can read
 * them; momaflow-specific details (lazy, upload, seed control) ride in each input's options dict.
 */
import { dict } from '../dictionary/dictionary';
import { ENGINE_VERSION } from '../node-packs/engine-version';
import type { InputSpec } from './input-specs';
import type { AnyNodeDefinition } from './node-definition';
import type { NodeEnv } from './node-env';
import type { NodeRegistry, RegisteredNode } from './node-registry';

export type InputSchema = readonly [string | readonly string[], Record<string, unknown>];

export interface NodeSchema {
  readonly name: string;
  readonly display_name: string;
  readonly description: string;
  readonly category: string;
  readonly python_module: string;
  /** The node pack it came from: what a saved workflow records as the node's provenance. */
  readonly momaflow_pack: { readonly id: string; readonly version: string; readonly sandboxed: boolean };
  readonly output_node: boolean;
  readonly deprecated: boolean;
  readonly input: { required: Record<string, InputSchema>; optional: Record<string, InputSchema> };
  readonly input_order: { required: string[]; optional: string[] };
  readonly output: string[];
  readonly output_name: string[];
  readonly output_is_list: boolean[];
  readonly output_tooltips: (string | null)[];
}

/** The options a COMBO offers now (static, or computed from the environment). */
export async function comboOptions(
  spec: InputSpec & { kind: 'COMBO' },
  env: NodeEnv,
): Promise<readonly string[]> {
  return typeof spec.options === 'function' ? await spec.options({ env }) : spec.options;
}

const WIDGET_SOCKET_TYPES = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO']);

async function inputSchema(spec: InputSpec, env: NodeEnv): Promise<InputSchema> {
  const common = {
    ...(spec.tooltip ? { tooltip: spec.tooltip } : {}),
    ...(spec.lazy ? { lazy: true } : {}),
  };
  switch (spec.kind) {
    case 'link':
      // A link-only input of a widget type (INT, STRING, ...) is marked as ComfyUI does, so editors
      // draw a socket instead of a widget.
      return [spec.type, WIDGET_SOCKET_TYPES.has(spec.type) ? { ...common, forceInput: true } : common];
    case 'INT':
    case 'FLOAT': {
      const { kind, optional: _o, lazy: _l, tooltip: _t, ...rest } = spec;
      return [kind, { ...rest, ...common }];
    }
    case 'SEED':
      return [
        'INT',
        {
          default: spec.default,
          min: 0,
          max: Number.MAX_SAFE_INTEGER,
          control_after_generate: true,
          ...common,
        },
      ];
    case 'STRING':
      return ['STRING', { default: spec.default, multiline: spec.multiline ?? false, ...common }];
    case 'BOOLEAN':
      return [
        'BOOLEAN',
        { default: spec.default, label_on: spec.labelOn, label_off: spec.labelOff, ...common },
      ];
    case 'COMBO': {
      const options = await comboOptions(spec, env);
      return [
        options,
        {
          ...(spec.default !== undefined ? { default: spec.default } : {}),
          ...(spec.upload ? { [`${spec.upload}_upload`]: true } : {}),
          ...(spec.modelFolder ? { model_folder: spec.modelFolder } : {}),
          ...common,
        },
      ];
    }
  }
}

export async function nodeSchema(
  definition: AnyNodeDefinition,
  pack: Pick<RegisteredNode, 'pack' | 'version' | 'sandboxed'>,
  env: NodeEnv,
): Promise<NodeSchema> {
  const required = dict<InputSchema>();
  const optional = dict<InputSchema>();
  for (const [name, spec] of Object.entries<InputSpec>(definition.inputs)) {
    (spec.optional ? optional : required)[name] = await inputSchema(spec, env);
  }
  return {
    name: definition.type,
    display_name: definition.displayName ?? definition.type,
    description: definition.description ?? '',
    category: definition.category,
    python_module: pack.pack,
    momaflow_pack: {
      id: pack.pack,
      version: pack.version ?? ENGINE_VERSION,
      sandboxed: pack.sandboxed ?? false,
    },
    output_node: definition.output ?? false,
    deprecated: definition.deprecated ?? false,
    input: { required, optional },
    input_order: { required: Object.keys(required), optional: Object.keys(optional) },
    output: definition.outputs.map((o) => o.type),
    output_name: definition.outputs.map((o) => o.name ?? o.type),
    output_is_list: definition.outputs.map(() => false),
    output_tooltips: definition.outputs.map((o) => o.tooltip ?? null),
  };
}

/** Every registered node's schema, keyed by type (the body of `GET /api/object_info`). */
export async function objectInfo(registry: NodeRegistry, env: NodeEnv): Promise<Record<string, NodeSchema>> {
  const result = dict<NodeSchema>();
  for (const type of registry.types()) {
    const entry = registry.entry(type);
    if (entry) result[type] = await nodeSchema(entry.definition, entry, env);
  }
  return result;
}
