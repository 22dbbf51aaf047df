/**
 * @module
 * What every widget component receives: its template, the current value and a commit callback
 * (called once per finished edit, so each edit is one undo step).
 */
import type { WidgetTemplate } from '../../schema/lib/node-template';

export interface WidgetProps<K extends WidgetTemplate['kind'] = WidgetTemplate['kind']> {
  readonly nodeId: string;
  readonly name: string;
  readonly widget: Extract<WidgetTemplate, { kind: K }>;
  readonly value: unknown;
  readonly invalid: boolean;
  onCommit(value: unknown): void;
}
