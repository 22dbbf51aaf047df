/**
 * @module
 * Structured validation problems: returned as values, all at once, never thrown. The message is
 * ready to show; `type` is what code should switch on.
 */
export const VALIDATION_ISSUE_TYPES = [
  'invalid_prompt',
  'invalid_node',
  'unknown_node_type',
  'required_input_missing',
  'link_to_missing_node',
  'link_to_missing_output',
  'type_mismatch',
  'wrong_value_kind',
  'value_out_of_range',
  'value_not_in_list',
  'custom_validation_failed',
  'cycle',
  'no_output_node',
  'unknown_target',
] as const;
export type ValidationIssueType = (typeof VALIDATION_ISSUE_TYPES)[number];

export interface ValidationIssue {
  readonly type: ValidationIssueType;
  /** The node the problem is on; null for problems with the prompt as a whole. */
  readonly nodeId: string | null;
  readonly classType: string | null;
  readonly message: string;
  readonly input?: string;
  readonly received?: unknown;
  readonly expected?: unknown;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(issues: readonly ValidationIssue[]): Result<T> => ({ ok: false, issues });

/** Short, bounded rendering of a received value for an issue (never the whole 10 MB string). */
export function preview(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    // Nested deeper than the stack allows, or cyclic: describe it instead of failing validation.
    return '(a value too deeply nested to show)';
  }
  return json.length > 200 ? `${json.slice(0, 200)}…` : value;
}
