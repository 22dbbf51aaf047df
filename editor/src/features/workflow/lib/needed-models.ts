/**
 * @module
 * The model files a workflow needs: every loader input whose options are files of a model folder
 * (`model_folder` in object_info), with whether the server has that file.
 */
import type { GraphDoc } from '../../graph/lib/flow-types';
import type { TemplateMap } from '../../schema/lib/node-template';

export interface NeededModel {
  readonly folder: string;
  readonly file: string;
  /** The nodes that use it. */
  readonly nodeIds: readonly string[];
  readonly present: boolean;
}

/**
 * @example
 * neededModels(doc, templates); // [{ folder: 'checkpoints', file: 'sd15.safetensors', nodeIds: ['4'], present: false }]
 */
export function neededModels(doc: GraphDoc, templates: TemplateMap): NeededModel[] {
  const byPath = new Map<string, { folder: string; file: string; nodeIds: string[]; present: boolean }>();
  for (const node of doc.nodes) {
    if (node.type !== 'workflow' || node.data.mode === 'muted') continue;
    for (const input of templates.get(node.data.classType)?.inputs ?? []) {
      const widget = input.widget;
      const value = node.data.values[input.name];
      if (widget?.kind !== 'COMBO' || !widget.modelFolder || typeof value !== 'string' || value === '')
        continue;
      if (Object.hasOwn(node.data.links, input.name)) continue;
      const key = `${widget.modelFolder}/${value}`;
      const entry = byPath.get(key) ?? {
        folder: widget.modelFolder,
        file: value,
        nodeIds: [],
        present: widget.options.includes(value),
      };
      entry.nodeIds.push(node.id);
      byPath.set(key, entry);
    }
  }
  return [...byPath.values()].sort(
    (a, b) =>
      Number(a.present) - Number(b.present) || `${a.folder}/${a.file}`.localeCompare(`${b.folder}/${b.file}`),
  );
}
