import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageWorkflow, testTemplates } from '../../../testing/builders';
import { inputHandleId, outputHandleId } from '../../graph/lib/handle-ids';
import { docToWorkflow } from '../../workflow/lib/doc-to-workflow';
import { activeTab, createTabsStore, isDirty } from './tabs-store';

const templates = testTemplates();

function opened() {
  const store = createTabsStore();
  store.getState().workflowOpened({ workflow: imageWorkflow(), templates, title: 'images' });
  return store;
}
const doc = (store: ReturnType<typeof opened>) => activeTab(store.getState()).doc;
const saved = (store: ReturnType<typeof opened>) => docToWorkflow(doc(store));

describe(createTabsStore.name, () => {
  it('opens a workflow into the untouched first tab, then into new tabs', () => {
    const store = opened();
    expect(store.getState().tabs).toHaveLength(1);
    store.getState().workflowOpened({ workflow: imageWorkflow(), templates, title: 'second' });
    expect(store.getState().tabs.map((t) => t.title)).toEqual(['images', 'second']);
    expect(activeTab(store.getState()).title).toBe('second');
  });

  it('undoes and redoes a value change, tracking unsaved changes', () => {
    const store = opened();
    const before = saved(store);
    store.getState().fieldValueChanged({ nodeId: '2', input: 'width', value: 640 });
    expect(saved(store).nodes['2']?.inputs.width).toBe(640);
    expect(isDirty(activeTab(store.getState()))).toBe(true);
    store.getState().undoRequested();
    expect(saved(store)).toEqual(before);
    store.getState().redoRequested();
    expect(saved(store).nodes['2']?.inputs.width).toBe(640);
    store.getState().tabSaved({ id: store.getState().activeId });
    expect(isDirty(activeTab(store.getState()))).toBe(false);
  });

  it('links only what validates, replacing the input’s old link, and undoes it', () => {
    const store = opened();
    const refused = store
      .getState()
      .linkRequested(
        { source: '1', sourceHandle: outputHandleId(1), target: '3', targetHandle: inputHandleId('images') },
        templates,
      );
    expect(!refused.ok && refused.code).toBe('type_mismatch');
    const accepted = store
      .getState()
      .linkRequested(
        { source: '1', sourceHandle: outputHandleId(0), target: '3', targetHandle: inputHandleId('images') },
        templates,
      );
    expect(accepted.ok).toBe(true);
    expect(saved(store).nodes['3']?.inputs.images).toEqual(['1', 0]);
    expect(doc(store).edges.filter((e) => e.target === '3')).toHaveLength(1);
    store.getState().undoRequested();
    expect(saved(store).nodes['3']?.inputs.images).toEqual(['2', 0]);
  });

  it('removing a node removes its links and brings widget values back', () => {
    const store = opened();
    store.getState().nodesRemoved(['1']);
    expect(Object.keys(saved(store).nodes)).toEqual(['2', '3', '4']);
    expect(saved(store).nodes['2']?.inputs).toEqual({ upscale_method: 'bicubic', width: 256 });
    expect(doc(store).edges.map((e) => e.id)).toEqual(['e:3:images']);
    store.getState().undoRequested();
    expect(saved(store)).toEqual(docToWorkflow(doc(opened())));
  });

  it('records a whole drag as one undo step, whatever the number of frames', () => {
    const store = opened();
    const move = (x: number, dragging: boolean) =>
      store.getState().flowNodesChanged([{ id: '2', type: 'position', position: { x, y: 0 }, dragging }]);
    for (let x = 310; x < 400; x += 10) move(x, true);
    move(400, false);
    expect(saved(store).nodes['2']?.pos).toEqual([400, 0]);
    expect(activeTab(store.getState()).history.past).toHaveLength(1);
    store.getState().undoRequested();
    expect(saved(store).nodes['2']?.pos).toEqual([300, 0]);
  });

  it('dragging a frame carries the nodes inside it', () => {
    const store = createTabsStore();
    store.getState().workflowOpened({
      workflow: {
        ...imageWorkflow(),
        groups: [{ id: 'group-1', title: 'G', bounding: [-10, -10, 700, 150] }],
      },
      templates,
      title: 'framed',
    });
    store
      .getState()
      .flowNodesChanged([
        { id: 'frame:group-1', type: 'position', position: { x: 90, y: -10 }, dragging: true },
      ]);
    store
      .getState()
      .flowNodesChanged([
        { id: 'frame:group-1', type: 'position', position: { x: 90, y: -10 }, dragging: false },
      ]);
    const workflow = saved(store);
    expect(workflow.nodes['1']?.pos).toEqual([100, 0]);
    expect(workflow.nodes['3']?.pos).toEqual([700, 0]);
    expect(workflow.nodes['4']?.pos).toEqual([300, 200]);
    store.getState().undoRequested();
    expect(saved(store).nodes['1']?.pos).toEqual([0, 0]);
  });

  it('adds nodes with fresh ids and default values', () => {
    const store = opened();
    const id = store.getState().nodeAdded({ template: templates.get('Sampler')!, position: { x: 5, y: 6 } });
    expect(id).toBe('5');
    expect(saved(store).nodes['5']).toMatchObject({
      class_type: 'Sampler',
      pos: [5, 6],
      inputs: { seed: 42, cfg: 7, sampler_name: 'euler', note: '' },
    });
  });

  it('pastes a fragment renumbered at the pointer, links inside it kept', () => {
    const store = opened();
    const fragment = {
      ...imageWorkflow(),
      nodes: { '1': imageWorkflow().nodes['1']!, '2': imageWorkflow().nodes['2']! },
    };
    store.getState().fragmentPasted({ fragment, templates, at: { x: 1000, y: 500 } });
    const workflow = saved(store);
    expect(workflow.nodes['5']).toMatchObject({ class_type: 'LoadImage', pos: [1000, 500] });
    expect(workflow.nodes['6']).toMatchObject({
      class_type: 'ImageScale',
      pos: [1300, 500],
      inputs: { image: ['5', 0] },
    });
    expect(
      doc(store)
        .nodes.filter((n) => n.selected)
        .map((n) => n.id),
    ).toEqual(['5', '6']);
  });

  it('toggles bypass and mute like ComfyUI', () => {
    const store = opened();
    store.getState().nodeModeToggled({ ids: ['2', '4'], mode: 'bypassed' });
    expect([saved(store).nodes['2']?.mode, saved(store).nodes['4']?.mode]).toEqual(['bypassed', 'bypassed']);
    store.getState().nodeModeToggled({ ids: ['2', '4'], mode: 'bypassed' });
    expect(saved(store).nodes['2']?.mode).toBe('always');
    store.getState().nodeModeToggled({ ids: ['2'], mode: 'muted' });
    expect(saved(store).nodes['2']?.mode).toBe('muted');
  });

  it('undoing every edit restores the start, redoing them restores the end (property)', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('value' as const), width: fc.integer({ min: 0, max: 4096 }) }),
      fc.record({ kind: fc.constant('add' as const), x: fc.integer({ min: 0, max: 900 }) }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.constantFrom('1', '2', '3', '4') }),
      fc.record({ kind: fc.constant('link' as const), to: fc.constantFrom('3', '2') }),
      fc.record({ kind: fc.constant('title' as const), title: fc.string({ maxLength: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 12 }), (edits) => {
        const store = opened();
        const start = saved(store);
        for (const e of edits) {
          const s = store.getState();
          if (e.kind === 'value') s.fieldValueChanged({ nodeId: '2', input: 'width', value: e.width });
          else if (e.kind === 'add')
            s.nodeAdded({ template: templates.get('InvertMask')!, position: { x: e.x, y: 0 } });
          else if (e.kind === 'remove') s.nodesRemoved([e.id]);
          else if (e.kind === 'link')
            s.linkRequested(
              {
                source: '1',
                sourceHandle: 'out:0',
                target: e.to,
                targetHandle: e.to === '3' ? 'in:images' : 'in:image',
              },
              templates,
            );
          else s.nodeTitleChanged({ nodeId: '3', title: e.title });
        }
        const end = saved(store);
        const steps = activeTab(store.getState()).history.past.length;
        for (let i = 0; i < steps; i++) store.getState().undoRequested();
        expect(saved(store)).toEqual(start);
        for (let i = 0; i < steps; i++) store.getState().redoRequested();
        expect(saved(store)).toEqual(end);
      }),
      { numRuns: 60 },
    );
  });

  it('closing the last tab leaves an empty one', () => {
    const store = opened();
    store.getState().tabClosed(store.getState().activeId);
    expect(store.getState().tabs).toHaveLength(1);
    expect(doc(store).nodes).toEqual([]);
  });
});
