/**
 * @module
 * Turns the server's ComfyUI-shaped schemas into `NodeTemplate`s. Widget kinds dispatch through one
 * table; a type name that is not a widget kind is a link socket.
 */
import type { InputTemplate, NodeTemplate, TemplateMap, WidgetTemplate } from './node-template';
import type { InputSchema, NodeSchema, ObjectInfo } from './object-info-schema';

type Config = Readonly<Record<string, unknown>>;

const num = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;
const str = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);
const bool = (value: unknown): boolean => value === true;

/** Widget builders for ComfyUI's scalar type names. */
const SCALAR_WIDGETS = {
  INT: (c: Config): WidgetTemplate =>
    c.control_after_generate === true
      ? {
          kind: 'SEED',
          default: num(c.default, 0),
          min: num(c.min, 0),
          max: num(c.max, Number.MAX_SAFE_INTEGER),
        }
      : {
          kind: 'INT',
          default: num(c.default, 0),
          min: num(c.min, Number.MIN_SAFE_INTEGER),
          max: num(c.max, Number.MAX_SAFE_INTEGER),
          step: Math.max(1, num(c.step, 1)),
          slider: c.display === 'slider',
        },
  FLOAT: (c: Config): WidgetTemplate => ({
    kind: 'FLOAT',
    default: num(c.default, 0),
    min: num(c.min, -Number.MAX_VALUE),
    max: num(c.max, Number.MAX_VALUE),
    step: num(c.step, 0.01) > 0 ? num(c.step, 0.01) : 0.01,
    round: typeof c.round === 'number' && c.round > 0 ? c.round : undefined,
    slider: c.display === 'slider',
  }),
  STRING: (c: Config): WidgetTemplate => ({
    kind: 'STRING',
    default: str(c.default, ''),
    multiline: bool(c.multiline),
    placeholder: str(c.placeholder, ''),
  }),
  BOOLEAN: (c: Config): WidgetTemplate => ({
    kind: 'BOOLEAN',
    default: bool(c.default),
    labelOn: str(c.label_on, 'true'),
    labelOff: str(c.label_off, 'false'),
  }),
} satisfies Record<string, (c: Config) => WidgetTemplate>;

function isScalar(type: string): type is keyof typeof SCALAR_WIDGETS {
  return Object.hasOwn(SCALAR_WIDGETS, type);
}

/**
 * A scalar input is a widget unless it is link-only: ComfyUI marks those `forceInput`, and the engine
 * exports link inputs of scalar types (`Input.link('INT')`) without a `default`, which every widget has.
 */
function isWidget(config: Config): boolean {
  return config.forceInput !== true && Object.hasOwn(config, 'default');
}

function inputTemplate(name: string, [type, config]: InputSchema, required: boolean): InputTemplate {
  const tooltip = str(config.tooltip, '');
  if (Array.isArray(type)) {
    const upload = config.image_upload === true ? 'image' : config.mask_upload === true ? 'mask' : undefined;
    const fallback = typeof config.default === 'string' ? config.default : undefined;
    return {
      name,
      required,
      socketType: 'COMBO',
      tooltip,
      widget: {
        kind: 'COMBO',
        options: type,
        default: fallback,
        upload,
        modelFolder: typeof config.model_folder === 'string' ? config.model_folder : undefined,
      },
    };
  }
  if (isScalar(type) && isWidget(config)) {
    return { name, required, socketType: type, tooltip, widget: SCALAR_WIDGETS[type](config) };
  }
  return { name, required, socketType: type, tooltip, widget: undefined };
}

function orderOf(names: Record<string, unknown>, order: readonly string[] | undefined): string[] {
  const keys = Object.keys(names);
  if (!order) return keys;
  return [...order.filter((n) => Object.hasOwn(names, n)), ...keys.filter((n) => !order.includes(n))];
}

/**
 * @example
 * const template = buildTemplate(objectInfo.KSampler);
 * template.inputs.find((i) => i.name === 'seed')?.widget?.kind // 'SEED'
 */
export function buildTemplate(schema: NodeSchema): NodeTemplate {
  const { required, optional } = schema.input;
  const inputs = [
    ...orderOf(required, schema.input_order?.required).map((n) => inputTemplate(n, required[n]!, true)),
    ...orderOf(optional, schema.input_order?.optional).map((n) => inputTemplate(n, optional[n]!, false)),
  ];
  return {
    type: schema.name,
    displayName: schema.display_name || schema.name,
    description: schema.description,
    category: schema.category,
    outputNode: schema.output_node,
    deprecated: schema.deprecated,
    pack: schema.momaflow_pack,
    inputs,
    outputs: schema.output.map((type, index) => ({
      index,
      type,
      name: schema.output_name[index] ?? type,
      tooltip: schema.output_tooltips[index] ?? '',
      isList: schema.output_is_list[index] ?? false,
    })),
  };
}

/** Templates for every node type of an `object_info` response. */
export function buildTemplates(info: ObjectInfo): TemplateMap {
  return new Map(
    Object.entries(info).map(([type, schema]) => [type, buildTemplate({ ...schema, name: type })]),
  );
}
