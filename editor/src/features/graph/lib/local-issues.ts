/**
 * @module
 * Problems the editor can see before anything is queued, checked per node against its template:
 * a required socket with no link, a widget value outside its range or options, and inputs the node
 * type no longer has (a workflow saved with an older version of a node pack). The server's
 * validation stays the authority; these show as warnings while editing.
 */
import type { NodeIssue } from '../../execution/lib/run-state';
import type { NodeTemplate } from '../../schema/lib/node-template';
import type { WorkflowNodeData } from './flow-types';

/**
 * @example
 * localIssues(node.data, templates.get(node.data.classType))
 * // [{ type: 'required_input_missing', input: 'model', message: "required input 'model' is not linked" }]
 */
export function localIssues(data: WorkflowNodeData, template: NodeTemplate | undefined): NodeIssue[] {
  if (!template || data.mode !== 'always') return [];
  const issues: NodeIssue[] = [];
  const known = new Set(template.inputs.map((i) => i.name));
  for (const input of template.inputs) {
    if (Object.hasOwn(data.links, input.name)) continue;
    const widget = input.widget;
    const value = data.values[input.name];
    if (!widget) {
      if (input.required) {
        issues.push({
          type: 'required_input_missing',
          input: input.name,
          message: `required input '${input.name}' is not linked`,
        });
      }
      continue;
    }
    if (value === undefined) continue;
    if (widget.kind === 'COMBO') {
      if (widget.options.length > 0 && !widget.options.includes(String(value))) {
        issues.push({
          type: 'value_not_in_list',
          input: input.name,
          message: `'${String(value)}' is not one of the options of '${input.name}'`,
        });
      }
    } else if (widget.kind === 'INT' || widget.kind === 'FLOAT' || widget.kind === 'SEED') {
      if (typeof value !== 'number' || value < widget.min || value > widget.max) {
        issues.push({
          type: 'value_out_of_range',
          input: input.name,
          message: `'${input.name}' is ${JSON.stringify(value)}, outside [${widget.min}, ${widget.max}]`,
        });
      }
    }
  }
  const stale = [...Object.keys(data.values), ...Object.keys(data.links)].filter((name) => !known.has(name));
  for (const name of new Set(stale)) {
    issues.push({
      type: 'unknown_input',
      input: name,
      message: `'${name}' is not an input of ${template.type} (saved by an older version?)`,
    });
  }
  return issues;
}
