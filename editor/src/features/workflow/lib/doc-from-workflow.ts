/**
 * @module
 * Saved workflow -> editor document. Literal inputs become widget values, links become edges (typed
 * by the source's output when its template is known); groups become frames and notes note nodes.
 * Links to nodes that are not in the file are dropped: there is nothing to draw them to.
 */

import {
  asLink,
  dict,
  dictFrom,
  type Link,
  ownValue,
  SEED_CONTROL_KEY,
  SEED_CONTROL_MODES,
  type Workflow,
  type WorkflowNode,
} from '@momaflow/engine/protocol';
import type { FlowEdge, FlowNode, GraphDoc, SeedControl, WorkflowFlowNode } from '../../graph/lib/flow-types';
import { edgeId, inputHandleId, outputHandleId } from '../../graph/lib/handle-ids';
import type { TemplateMap } from '../../schema/lib/node-template';

/** React Flow ids of frames and notes are prefixed so they never clash with workflow node ids. */
export const frameNodeId = (groupId: string): string => `frame:${groupId}`;
export const noteNodeId = (noteId: string): string => `note:${noteId}`;

function seedControls(extra: Workflow['extra'], nodeId: string): Record<string, SeedControl> | undefined {
  const all = extra[SEED_CONTROL_KEY];
  const mine = typeof all === 'object' && all !== null ? ownValue(all, nodeId) : undefined;
  if (typeof mine !== 'object' || mine === null) return undefined;
  const picked = Object.entries(mine).filter((e): e is [string, SeedControl] =>
    SEED_CONTROL_MODES.includes(e[1] as SeedControl),
  );
  return picked.length > 0 ? dictFrom(picked) : undefined;
}

/**
 * @example
 * const doc = docFromWorkflow(parsed.workflow, templates);
 */
export function docFromWorkflow(workflow: Workflow, templates: TemplateMap): GraphDoc {
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  for (const group of workflow.groups) {
    const [x, y, width, height] = group.bounding;
    nodes.push({
      id: frameNodeId(group.id),
      type: 'frame',
      position: { x, y },
      width,
      height,
      zIndex: -1,
      data: { groupId: group.id, title: group.title, ...(group.color ? { color: group.color } : {}) },
    });
  }
  for (const [id, node] of Object.entries(workflow.nodes)) {
    const values = dict<unknown>();
    const links = dict<Link>();
    for (const [name, value] of Object.entries(node.inputs)) {
      const link = asLink(value);
      if (!link) values[name] = value;
      else if (Object.hasOwn(workflow.nodes, link[0])) {
        links[name] = link;
        const sourceType = (ownValue(workflow.nodes, link[0]) as WorkflowNode | undefined)?.class_type ?? '';
        const type = templates.get(sourceType)?.outputs[link[1]]?.type ?? '*';
        edges.push({
          id: edgeId(id, name),
          source: link[0],
          sourceHandle: outputHandleId(link[1]),
          target: id,
          targetHandle: inputHandleId(name),
          data: { type },
        });
      }
    }
    const seedControl = seedControls(workflow.extra, id);
    const flowNode: WorkflowFlowNode = {
      id,
      type: 'workflow',
      position: { x: node.pos[0], y: node.pos[1] },
      data: {
        classType: node.class_type,
        mode: node.mode,
        values,
        links,
        ...(node.title !== undefined ? { title: node.title } : {}),
        ...(node.color !== undefined ? { color: node.color } : {}),
        ...(node.collapsed !== undefined ? { collapsed: node.collapsed } : {}),
        ...(node.size !== undefined ? { size: node.size } : {}),
        ...(seedControl ? { seedControl } : {}),
        ...(node.pack ? { pack: node.pack } : {}),
      },
    };
    nodes.push(flowNode);
  }
  for (const note of workflow.notes) {
    nodes.push({
      id: noteNodeId(note.id),
      type: 'note',
      position: { x: note.pos[0], y: note.pos[1] },
      ...(note.size ? { width: note.size[0], height: note.size[1] } : {}),
      data: { noteId: note.id, text: note.text, ...(note.color ? { color: note.color } : {}) },
    });
  }
  const extra = dictFrom(Object.entries(workflow.extra).filter(([key]) => key !== SEED_CONTROL_KEY));
  return {
    ...(workflow.name !== undefined ? { name: workflow.name } : {}),
    ...(workflow.description !== undefined ? { description: workflow.description } : {}),
    nodes,
    edges,
    extra,
  };
}
