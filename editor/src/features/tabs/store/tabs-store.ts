/**
 * @module
 * The open workflows (tabs), each with its document, undo history and save state. Actions are named
 * after what happened; every committed edit goes through `applyEdit`, so it can be undone.
 */

import type { NodeMode, Workflow } from '@momaflow/engine/protocol';
import type { Connection, EdgeChange, NodeChange } from '@xyflow/react';
import type { Draft } from 'immer';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { autoLayout } from '../../graph/lib/auto-layout';
import {
  addNode,
  connect,
  createNode,
  nextNodeId,
  removeEdges,
  removeNodes,
  setSeedControl,
  setTitle,
  setValue,
  toggleMode,
} from '../../graph/lib/doc-edits';
import { emptyDoc, type FlowNode, type GraphDoc, type SeedControl } from '../../graph/lib/flow-types';
import {
  applyGesture,
  endsGesture,
  type Gesture,
  isGeometryChange,
  startGesture,
  undoGesture,
} from '../../graph/lib/geometry-gesture';
import type { ConnectionCheck } from '../../graph/lib/validate-connection';
import { validateConnection } from '../../graph/lib/validate-connection';
import {
  applyEdit,
  applyTransient,
  EMPTY_HISTORY,
  recordChange,
  redo,
  undo,
  type Versioned,
} from '../../graph/store/doc-history';
import type { NodeTemplate, TemplateMap } from '../../schema/lib/node-template';
import { docFromWorkflow } from '../../workflow/lib/doc-from-workflow';
import { renumberFragment } from '../../workflow/lib/workflow-fragment';

export interface WorkflowTab extends Versioned {
  readonly id: string;
  readonly title: string;
  /** Bumped by every committed edit, undo and redo. */
  readonly revision: number;
  /** The revision last saved or opened; the tab is dirty when they differ. */
  readonly savedRevision: number;
  /** The name in the server's library, once saved there or opened from it. */
  readonly libraryName?: string;
}

export interface TabsState {
  readonly tabs: readonly WorkflowTab[];
  readonly activeId: string;
  workflowOpened(args: {
    workflow: Workflow;
    templates: TemplateMap;
    title: string;
    libraryName?: string;
    /** Restored with unsaved changes (from the stored session). */
    dirty?: boolean;
  }): void;
  tabCreated(): void;
  tabActivated(id: string): void;
  tabClosed(id: string): void;
  tabSaved(args: { id: string; libraryName?: string; title?: string }): void;
  flowNodesChanged(changes: readonly NodeChange<FlowNode>[]): void;
  flowEdgesChanged(changes: readonly EdgeChange[]): void;
  /** Validates and links; returns the check so the caller can show why a link was refused. */
  linkRequested(link: Connection, templates: TemplateMap): ConnectionCheck;
  nodeAdded(args: { template: NodeTemplate; position: { x: number; y: number } }): string;
  nodesRemoved(ids: readonly string[]): void;
  fieldValueChanged(args: { nodeId: string; input: string; value: unknown }): void;
  seedControlChanged(args: { nodeId: string; input: string; control: SeedControl }): void;
  nodeTitleChanged(args: { nodeId: string; title: string }): void;
  nodeModeToggled(args: { ids: readonly string[]; mode: Exclude<NodeMode, 'always'> }): void;
  frameTitleChanged(args: { nodeId: string; title: string }): void;
  noteTextChanged(args: { nodeId: string; text: string }): void;
  frameAdded(args: { bounds: { x: number; y: number; width: number; height: number }; title: string }): void;
  noteAdded(args: { position: { x: number; y: number }; text: string }): void;
  fragmentPasted(args: { fragment: Workflow; templates: TemplateMap; at: { x: number; y: number } }): void;
  autoLayoutApplied(): void;
  allSelected(): void;
  undoRequested(): void;
  redoRequested(): void;
  /** Seeds after a queue, per their control (ComfyUI's "control after generate"). */
  seedsAdvanced(values: readonly { nodeId: string; input: string; value: number }[]): void;
}

export type TabsStore = StoreApi<TabsState>;

/** The active tab (there is always one). */
export function activeTab(state: Pick<TabsState, 'tabs' | 'activeId'>): WorkflowTab {
  return state.tabs.find((t) => t.id === state.activeId) ?? state.tabs[0]!;
}

/** Whether a tab has changes that are not saved. */
export const isDirty = (tab: WorkflowTab): boolean => tab.revision !== tab.savedRevision;

/**
 * @example
 * const tabs = createTabsStore();
 * tabs.getState().workflowOpened({ workflow, templates, title: 'txt2img' });
 */
export function createTabsStore(): TabsStore {
  let counter = 0;
  let gesture: Gesture | undefined;
  const newTab = (doc: GraphDoc, title: string, libraryName?: string): WorkflowTab => ({
    id: `tab-${++counter}`,
    title,
    doc,
    history: EMPTY_HISTORY,
    revision: 0,
    savedRevision: 0,
    ...(libraryName ? { libraryName } : {}),
  });
  const first = newTab(emptyDoc(), 'Untitled');

  return createStore<TabsState>()((set, get) => {
    const updateActive = (update: (tab: WorkflowTab) => WorkflowTab) =>
      set((state) => {
        const tab = activeTab(state);
        const next = update(tab);
        return next === tab ? state : { tabs: state.tabs.map((t) => (t.id === tab.id ? next : t)) };
      });
    const edit = (label: string, recipe: (draft: Draft<GraphDoc>) => void) =>
      updateActive((tab) => {
        const next = applyEdit(tab, label, recipe);
        return next === tab ? tab : { ...tab, ...next, revision: tab.revision + 1 };
      });
    const transient = (recipe: (draft: Draft<GraphDoc>) => void) =>
      updateActive((tab) => {
        const next = applyTransient(tab, recipe);
        return next === tab ? tab : { ...tab, ...next };
      });

    return {
      tabs: [first],
      activeId: first.id,
      workflowOpened: ({ workflow, templates, title, libraryName, dirty }) =>
        set((state) => {
          const opened = newTab(docFromWorkflow(workflow, templates), title, libraryName);
          const tab = dirty ? { ...opened, revision: 1 } : opened;
          // Replace an untouched empty tab instead of leaving it behind.
          const current = activeTab(state);
          const reuse = current.doc.nodes.length === 0 && current.revision === 0;
          const tabs = reuse ? state.tabs.map((t) => (t.id === current.id ? tab : t)) : [...state.tabs, tab];
          return { tabs, activeId: tab.id };
        }),
      tabCreated: () =>
        set((state) => {
          const tab = newTab(emptyDoc(), 'Untitled');
          return { tabs: [...state.tabs, tab], activeId: tab.id };
        }),
      tabActivated: (id) => set((state) => (state.tabs.some((t) => t.id === id) ? { activeId: id } : state)),
      tabClosed: (id) =>
        set((state) => {
          const index = state.tabs.findIndex((t) => t.id === id);
          if (index < 0) return state;
          const rest = state.tabs.filter((t) => t.id !== id);
          const tabs = rest.length > 0 ? rest : [newTab(emptyDoc(), 'Untitled')];
          const activeId =
            state.activeId === id ? tabs[Math.min(index, tabs.length - 1)]!.id : state.activeId;
          return { tabs, activeId };
        }),
      tabSaved: ({ id, libraryName, title }) =>
        set((state) => ({
          tabs: state.tabs.map((t) =>
            t.id === id
              ? {
                  ...t,
                  savedRevision: t.revision,
                  ...(libraryName ? { libraryName } : {}),
                  ...(title ? { title } : {}),
                }
              : t,
          ),
        })),
      flowNodesChanged: (changes) => {
        const removed = new Set(changes.flatMap((c) => (c.type === 'remove' ? [c.id] : [])));
        if (removed.size > 0) edit('delete', (draft) => removeNodes(draft, removed));
        const geometryChanges = changes.filter(isGeometryChange);
        if (geometryChanges.length > 0) {
          gesture ??= startGesture(activeTab(get()).doc, geometryChanges);
          const current = gesture;
          transient((draft) => applyGesture(draft, current, geometryChanges));
          if (endsGesture(geometryChanges)) {
            gesture = undefined;
            updateActive((tab) => {
              const next = recordChange(tab, 'move', undoGesture(current));
              return next === tab ? tab : { ...tab, ...next, revision: tab.revision + 1 };
            });
          }
        }
        const rest = changes.filter(
          (c): c is Extract<NodeChange<FlowNode>, { type: 'select' | 'dimensions' }> =>
            !isGeometryChange(c) && (c.type === 'select' || c.type === 'dimensions'),
        );
        if (rest.length > 0) {
          transient((draft) => {
            const byId = new Map(draft.nodes.map((n) => [n.id, n]));
            for (const change of rest) {
              const node = byId.get(change.id);
              if (!node) continue;
              if (change.type === 'select') node.selected = change.selected;
              else if (change.type === 'dimensions' && change.dimensions)
                node.measured = { ...change.dimensions };
            }
          });
        }
      },
      flowEdgesChanged: (changes) => {
        const removed = new Set(changes.flatMap((c) => (c.type === 'remove' ? [c.id] : [])));
        if (removed.size > 0) edit('delete link', (draft) => removeEdges(draft, removed));
        const selects = changes.flatMap((c) => (c.type === 'select' ? [c] : []));
        if (selects.length > 0) {
          transient((draft) => {
            for (const change of selects) {
              const edge = draft.edges.find((e) => e.id === change.id);
              if (edge) edge.selected = change.selected;
            }
          });
        }
      },
      linkRequested: (link, templates) => {
        const { doc } = activeTab(get());
        const check = validateConnection({ nodes: doc.nodes, edges: doc.edges, templates, link });
        if (check.ok) {
          edit('link', (draft) =>
            connect(draft, {
              source: link.source,
              outputIndex: check.outputIndex,
              target: link.target,
              input: check.input,
              type: check.type,
            }),
          );
        }
        return check;
      },
      nodeAdded: ({ template, position }) => {
        const id = nextNodeId(activeTab(get()).doc.nodes);
        edit(`add ${template.displayName}`, (draft) => addNode(draft, createNode(template, id, position)));
        return id;
      },
      nodesRemoved: (ids) => edit('delete', (draft) => removeNodes(draft, new Set(ids))),
      fieldValueChanged: ({ nodeId, input, value }) =>
        edit(`set ${input}`, (draft) => setValue(draft, nodeId, input, value)),
      seedControlChanged: ({ nodeId, input, control }) =>
        edit(`${input} control`, (draft) => setSeedControl(draft, nodeId, input, control)),
      nodeTitleChanged: ({ nodeId, title }) => edit('rename', (draft) => setTitle(draft, nodeId, title)),
      nodeModeToggled: ({ ids, mode }) =>
        edit(mode === 'bypassed' ? 'bypass' : 'mute', (draft) => toggleMode(draft, new Set(ids), mode)),
      frameTitleChanged: ({ nodeId, title }) =>
        edit('rename frame', (draft) => {
          const node = draft.nodes.find((n) => n.id === nodeId);
          if (node?.type === 'frame') node.data.title = title;
        }),
      noteTextChanged: ({ nodeId, text }) =>
        edit('edit note', (draft) => {
          const node = draft.nodes.find((n) => n.id === nodeId);
          if (node?.type === 'note') node.data.text = text;
        }),
      frameAdded: ({ bounds, title }) =>
        edit('add frame', (draft) => {
          const taken = new Set(draft.nodes.flatMap((n) => (n.type === 'frame' ? [n.data.groupId] : [])));
          let n = 1;
          while (taken.has(`group-${n}`)) n++;
          draft.nodes.unshift({
            id: `frame:group-${n}`,
            type: 'frame',
            position: { x: bounds.x, y: bounds.y },
            width: bounds.width,
            height: bounds.height,
            zIndex: -1,
            data: { groupId: `group-${n}`, title },
          });
        }),
      noteAdded: ({ position, text }) =>
        edit('add note', (draft) => {
          const taken = new Set(draft.nodes.flatMap((n) => (n.type === 'note' ? [n.data.noteId] : [])));
          let n = 1;
          while (taken.has(`note-${n}`)) n++;
          addNode(draft, {
            id: `note:note-${n}`,
            type: 'note',
            position,
            data: { noteId: `note-${n}`, text },
          });
        }),
      fragmentPasted: ({ fragment, templates, at }) => {
        const { doc } = activeTab(get());
        const renumbered = renumberFragment(fragment, {
          doc,
          firstNodeId: Number(nextNodeId(doc.nodes)),
          at,
        });
        const pasted = docFromWorkflow(renumbered, templates);
        edit('paste', (draft) => {
          for (const node of draft.nodes) node.selected = false;
          const frames = pasted.nodes.filter((n) => n.type === 'frame');
          const others = pasted.nodes.filter((n) => n.type !== 'frame');
          draft.nodes.unshift(...(frames.map((n) => ({ ...n, selected: true })) as Draft<FlowNode>[]));
          draft.nodes.push(...(others.map((n) => ({ ...n, selected: true })) as Draft<FlowNode>[]));
          draft.edges.push(...(pasted.edges as Draft<GraphDoc['edges'][number]>[]));
        });
      },
      autoLayoutApplied: () => {
        const { doc } = activeTab(get());
        const positions = autoLayout(doc.nodes, doc.edges);
        edit('auto-layout', (draft) => {
          for (const node of draft.nodes) {
            const to = positions.get(node.id);
            if (to) node.position = to;
          }
        });
      },
      allSelected: () =>
        transient((draft) => {
          for (const node of draft.nodes) node.selected = true;
        }),
      undoRequested: () =>
        updateActive((tab) => {
          const next = undo(tab);
          return next === tab ? tab : { ...tab, ...next, revision: tab.revision + 1 };
        }),
      redoRequested: () =>
        updateActive((tab) => {
          const next = redo(tab);
          return next === tab ? tab : { ...tab, ...next, revision: tab.revision + 1 };
        }),
      seedsAdvanced: (values) =>
        edit('advance seeds', (draft) => {
          for (const { nodeId, input, value } of values) setValue(draft, nodeId, input, value);
        }),
    };
  });
}
