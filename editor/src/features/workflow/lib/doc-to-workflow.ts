/**
 * @module
 * Editor document -> saved workflow (version 2): what is saved, downloaded, queued and embedded in
 * output PNGs. A linked input is written as its link; the widget value it hides is not saved.
 */

import {
  dict,
  dictFrom,
  SEED_CONTROL_KEY,
  WORKFLOW_FORMAT,
  WORKFLOW_VERSION,
  type Workflow,
  type WorkflowNode,
} from '@momaflow/engine/protocol';
import type { GraphDoc, SeedControl } from '../../graph/lib/flow-types';

const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * @example
 * const body = JSON.stringify(docToWorkflow(doc));
 */
export function docToWorkflow(doc: GraphDoc): Workflow {
  const nodes = dict<WorkflowNode>();
  const groups: Workflow['groups'] = [];
  const notes: Workflow['notes'] = [];
  const seedControl = dict<Record<string, SeedControl>>();
  for (const node of doc.nodes) {
    const pos: [number, number] = [round(node.position.x), round(node.position.y)];
    switch (node.type) {
      case 'workflow': {
        const { data } = node;
        const inputs = dict<unknown>();
        for (const [name, value] of Object.entries(data.values)) {
          if (!Object.hasOwn(data.links, name)) inputs[name] = value;
        }
        for (const [name, link] of Object.entries(data.links)) inputs[name] = [link[0], link[1]];
        nodes[node.id] = {
          class_type: data.classType,
          inputs,
          pos,
          mode: data.mode,
          ...(data.title !== undefined ? { title: data.title } : {}),
          ...(data.size !== undefined ? { size: [data.size[0], data.size[1]] } : {}),
          ...(data.collapsed !== undefined ? { collapsed: data.collapsed } : {}),
          ...(data.color !== undefined ? { color: data.color } : {}),
          ...(data.pack !== undefined ? { pack: data.pack } : {}),
        };
        if (data.seedControl && Object.keys(data.seedControl).length > 0) {
          seedControl[node.id] = dictFrom(Object.entries(data.seedControl));
        }
        break;
      }
      case 'frame':
        groups.push({
          id: node.data.groupId,
          title: node.data.title,
          bounding: [pos[0], pos[1], round(node.width ?? 0), round(node.height ?? 0)],
          ...(node.data.color ? { color: node.data.color } : {}),
        });
        break;
      case 'note':
        notes.push({
          id: node.data.noteId,
          text: node.data.text,
          pos,
          ...(node.width !== undefined && node.height !== undefined
            ? { size: [round(node.width), round(node.height)] }
            : {}),
          ...(node.data.color ? { color: node.data.color } : {}),
        });
        break;
    }
  }
  return {
    format: WORKFLOW_FORMAT,
    version: WORKFLOW_VERSION,
    ...(doc.name !== undefined ? { name: doc.name } : {}),
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    nodes,
    groups,
    notes,
    extra: dictFrom([
      ...Object.entries(doc.extra),
      ...(Object.keys(seedControl).length > 0 ? [[SEED_CONTROL_KEY, seedControl] as const] : []),
    ]),
  };
}
