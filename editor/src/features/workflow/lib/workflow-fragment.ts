/**
 * @module
 * Copy and paste: the selection is written as a saved workflow (so the clipboard holds something any
 * momaflow window, or a text editor, understands), and pasting renumbers it next to the existing
 * graph and moves it to where the pointer is.
 */

import { asLink, dict, dictFrom, ownValue, SEED_CONTROL_KEY, type Workflow } from '@momaflow/engine/protocol';
import type { GraphDoc, WorkflowFlowNode } from '../../graph/lib/flow-types';
import { docToWorkflow } from './doc-to-workflow';

/** The selected nodes, frames and notes, with the links among them, as a saved workflow. */
export function selectionToWorkflow(doc: GraphDoc, ids: ReadonlySet<string>): Workflow {
  const nodes = doc.nodes
    .filter((n) => ids.has(n.id))
    .map((n) => {
      if (n.type !== 'workflow') return n;
      const links = Object.fromEntries(Object.entries(n.data.links).filter(([, link]) => ids.has(link[0])));
      return { ...n, data: { ...n.data, links } } satisfies WorkflowFlowNode;
    });
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return docToWorkflow({ nodes, edges, extra: {} });
}

function topLeft(workflow: Workflow): { x: number; y: number } {
  const xs = [
    ...Object.values(workflow.nodes).map((n) => n.pos[0]),
    ...workflow.groups.map((g) => g.bounding[0]),
    ...workflow.notes.map((n) => n.pos[0]),
  ];
  const ys = [
    ...Object.values(workflow.nodes).map((n) => n.pos[1]),
    ...workflow.groups.map((g) => g.bounding[1]),
    ...workflow.notes.map((n) => n.pos[1]),
  ];
  return { x: xs.length ? Math.min(...xs) : 0, y: ys.length ? Math.min(...ys) : 0 };
}

function freshIds(prefix: string, taken: ReadonlySet<string>, count: number): string[] {
  const ids: string[] = [];
  for (let n = 1; ids.length < count; n++) if (!taken.has(`${prefix}-${n}`)) ids.push(`${prefix}-${n}`);
  return ids;
}

/**
 * Renumbers a fragment so it can join `doc`: node ids from `firstNodeId` up, group and note ids not
 * used in `doc`, links rewritten, and its top-left moved to `at`.
 * @example
 * const fragment = renumberFragment(clip, { doc, firstNodeId: 12, at: pointer });
 */
export function renumberFragment(
  fragment: Workflow,
  options: { readonly doc: GraphDoc; readonly firstNodeId: number; readonly at: { x: number; y: number } },
): Workflow {
  const { doc, firstNodeId, at } = options;
  const origin = topLeft(fragment);
  const dx = at.x - origin.x;
  const dy = at.y - origin.y;
  const idMap = new Map(Object.keys(fragment.nodes).map((id, i) => [id, String(firstNodeId + i)]));
  const nodes: Workflow['nodes'] = dict();
  for (const [id, node] of Object.entries(fragment.nodes)) {
    const inputs = dict<unknown>();
    for (const [name, value] of Object.entries(node.inputs)) {
      const link = asLink(value);
      const source = link ? idMap.get(link[0]) : undefined;
      if (!link) inputs[name] = value;
      else if (source) inputs[name] = [source, link[1]];
    }
    nodes[idMap.get(id)!] = { ...node, inputs, pos: [node.pos[0] + dx, node.pos[1] + dy] };
  }
  const takenGroups = new Set(doc.nodes.flatMap((n) => (n.type === 'frame' ? [n.data.groupId] : [])));
  const takenNotes = new Set(doc.nodes.flatMap((n) => (n.type === 'note' ? [n.data.noteId] : [])));
  const groupIds = freshIds('group', takenGroups, fragment.groups.length);
  const noteIds = freshIds('note', takenNotes, fragment.notes.length);
  const extraSeeds = ownValue(fragment.extra, SEED_CONTROL_KEY);
  const seedControl =
    typeof extraSeeds === 'object' && extraSeeds !== null
      ? dictFrom(
          Object.entries(extraSeeds).flatMap(([id, v]) =>
            idMap.has(id) ? [[idMap.get(id)!, v] as const] : [],
          ),
        )
      : undefined;
  return {
    ...fragment,
    nodes,
    groups: fragment.groups.map((g, i) => ({
      ...g,
      id: groupIds[i]!,
      bounding: [g.bounding[0] + dx, g.bounding[1] + dy, g.bounding[2], g.bounding[3]],
    })),
    notes: fragment.notes.map((n, i) => ({ ...n, id: noteIds[i]!, pos: [n.pos[0] + dx, n.pos[1] + dy] })),
    extra: dictFrom(seedControl ? [[SEED_CONTROL_KEY, seedControl]] : []),
  };
}
