import { describe, expect, it } from 'vitest';
import { imageWorkflow, testTemplates } from '../../../testing/builders';
import { createTabsStore } from '../store/tabs-store';
import { sessionFromJson, sessionToJson } from './saved-session';

describe(sessionFromJson.name, () => {
  it('restores what sessionToJson stored: titles, library names, unsaved state, workflows', () => {
    const store = createTabsStore();
    const templates = testTemplates();
    store.getState().workflowOpened({ workflow: imageWorkflow(), templates, title: 'a', libraryName: 'a' });
    store.getState().workflowOpened({ workflow: imageWorkflow(), templates, title: 'b' });
    store.getState().fieldValueChanged({ nodeId: '2', input: 'width', value: 64 });
    store.getState().tabCreated();
    const state = store.getState();
    const restored = sessionFromJson(sessionToJson(state.tabs, state.tabs[1]!.id));
    expect(restored.active).toBe(1);
    expect(restored.tabs.map((t) => [t.title, t.libraryName, t.dirty])).toEqual([
      ['a', 'a', false],
      ['b', undefined, true],
    ]);
    expect(restored.tabs[1]?.workflow.nodes['2']?.inputs.width).toBe(64);
  });

  it.each([
    [null],
    ['{'],
    ['{"tabs": 5}'],
    ['{"active": 0, "tabs": [{"title": "x", "dirty": false, "workflow": {"version": 9}}]}'],
  ])('reads %s as an empty session', (text) => {
    expect(sessionFromJson(text)).toEqual({ tabs: [], active: 0 });
  });
});
