/**
 * @module
 * What an import could not carry over as it was, one entry per node (or per workflow), so nothing
 * is lost without a word: shown by `momaflow run`, the editor and `POST /prompt`.
 */

export const IMPORT_PROBLEM_CODES = [
  /** No node of this type is installed; the node is kept (its values in extra) and will not run. */
  'unknown_node_type',
  /** A legacy group node (`workflow>Name`) that cannot be expanded exactly: kept like an unknown type. */
  'unsupported_node',
  /** A subgraph or legacy group node instance whose nodes were inlined (or, muted or bypassed, left out as ComfyUI leaves them). */
  'subgraph_inlined',
  /** A subgraph instance that could not be inlined (no definition, or a loop): kept like an unknown type. */
  'subgraph_refused',
  /** Widget values no widget took; kept in `extra.comfyui.unmapped`. */
  'widget_values_left_over',
  /** Widgets without a stored value; they take their defaults. */
  'widget_values_missing',
  /** A value of the wrong kind for its widget (kept; validation reports it too). */
  'widget_value_mismatch',
  /** "On event" / "on trigger" modes, which momaflow does not have: imported as always. */
  'mode_not_supported',
  /** A link whose end is missing or unusable. */
  'link_dropped',
  /** A node, link or group entry that is not one. */
  'invalid_entry',
  /** A Reroute node, folded into the links through it. */
  'reroute_folded',
  /** A PrimitiveNode, whose value was written into the inputs it fed. */
  'primitive_inlined',
  /** Native reroute points: momaflow draws links straight; the points are kept in `extra.comfyui`. */
  'reroutes_kept',
] as const;
export type ImportProblemCode = (typeof IMPORT_PROBLEM_CODES)[number];

export interface ImportProblem {
  readonly code: ImportProblemCode;
  /** The node concerned (its id in the imported workflow); null for the workflow as a whole. */
  readonly nodeId: string | null;
  readonly classType: string | null;
  readonly message: string;
  /** The values concerned, for `widget_values_*`. */
  readonly values?: readonly unknown[];
}
