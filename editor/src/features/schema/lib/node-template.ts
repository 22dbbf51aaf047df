/**
 * @module
 * The editor's UI model of a node type, built from its server schema: ordered inputs (each a link
 * socket or a widget that can also take a link), outputs, and widget settings with their limits.
 */

/** Widget settings per kind; `SEED` is an INT with ComfyUI's "control after generate". */
export type WidgetTemplate =
  | {
      readonly kind: 'INT';
      readonly default: number;
      readonly min: number;
      readonly max: number;
      readonly step: number;
      readonly slider: boolean;
    }
  | {
      readonly kind: 'FLOAT';
      readonly default: number;
      readonly min: number;
      readonly max: number;
      readonly step: number;
      readonly round: number | undefined;
      readonly slider: boolean;
    }
  | { readonly kind: 'SEED'; readonly default: number; readonly min: number; readonly max: number }
  | {
      readonly kind: 'STRING';
      readonly default: string;
      readonly multiline: boolean;
      readonly placeholder: string;
    }
  | {
      readonly kind: 'BOOLEAN';
      readonly default: boolean;
      readonly labelOn: string;
      readonly labelOff: string;
    }
  | {
      readonly kind: 'COMBO';
      readonly options: readonly string[];
      readonly default: string | undefined;
      readonly upload: 'image' | 'mask' | undefined;
      /** The options are files of this model folder: the value is a model the workflow needs. */
      readonly modelFolder: string | undefined;
    };
export type WidgetKind = WidgetTemplate['kind'];

/** One input: always a socket of `socketType`; with `widget` it is edited inline while unlinked. */
export interface InputTemplate {
  readonly name: string;
  readonly required: boolean;
  readonly socketType: string;
  readonly tooltip: string;
  readonly widget: WidgetTemplate | undefined;
}

export interface OutputTemplate {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly tooltip: string;
  readonly isList: boolean;
}

export interface NodePackInfo {
  readonly id: string;
  readonly version: string;
  readonly sandboxed: boolean;
}

/** Everything the editor needs to draw, edit and connect one node type. */
export interface NodeTemplate {
  readonly type: string;
  readonly displayName: string;
  readonly description: string;
  readonly category: string;
  readonly outputNode: boolean;
  readonly deprecated: boolean;
  /** The node pack it comes from (`core` for built-ins); undefined when the server does not say. */
  readonly pack: NodePackInfo | undefined;
  readonly inputs: readonly InputTemplate[];
  readonly outputs: readonly OutputTemplate[];
}

/** Node templates by type name. */
export type TemplateMap = ReadonlyMap<string, NodeTemplate>;

/** The value a fresh node gets for a widget. */
export function widgetDefault(widget: WidgetTemplate): unknown {
  if (widget.kind === 'COMBO') return widget.default ?? widget.options[0] ?? '';
  return widget.default;
}
