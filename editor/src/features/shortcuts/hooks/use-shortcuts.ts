/**
 * @module
 * Global keyboard shortcuts and clipboard events for the canvas. Keys typed into a field belong to
 * the field; copy and paste use the browser's clipboard events, so they work between tabs and
 * windows without a permission prompt.
 */
import { useReactFlow } from '@xyflow/react';
import { useEffect } from 'react';
import type { EditorServices } from '../../../app/editor-context';
import { queueWorkflow } from '../../execution/lib/queue-workflow';
import { saveToLibrary } from '../../files/lib/save-to-library';
import type { PointerTracker } from '../../graph/hooks/use-pointer';
import { activeTab } from '../../tabs/store/tabs-store';
import { parseWorkflow } from '../../workflow/lib/parse-workflow';
import { selectionToWorkflow } from '../../workflow/lib/workflow-fragment';
import { commandFor, type ShortcutCommand } from '../lib/shortcuts';

const FRAME_PADDING = 40;
const DUPLICATE_OFFSET = 40;

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function selectedIds(services: EditorServices): Set<string> {
  return new Set(
    activeTab(services.tabs.getState())
      .doc.nodes.filter((n) => n.selected)
      .map((n) => n.id),
  );
}

export function useShortcuts(services: EditorServices, pointer: PointerTracker): void {
  const flow = useReactFlow();
  useEffect(() => {
    const { tabs, ui } = services;
    const run: Record<ShortcutCommand, () => void> = {
      queue: () => void queueWorkflow(services),
      undo: () => tabs.getState().undoRequested(),
      redo: () => tabs.getState().redoRequested(),
      copy: () => undefined,
      paste: () => undefined,
      delete: () => undefined,
      duplicate: () => {
        const ids = selectedIds(services);
        if (ids.size === 0) return;
        const { doc } = activeTab(tabs.getState());
        const fragment = selectionToWorkflow(doc, ids);
        const chosen = doc.nodes.filter((n) => ids.has(n.id));
        const at = {
          x: Math.min(...chosen.map((n) => n.position.x)) + DUPLICATE_OFFSET,
          y: Math.min(...chosen.map((n) => n.position.y)) + DUPLICATE_OFFSET,
        };
        tabs.getState().fragmentPasted({ fragment, templates: ui.getState().templates, at });
      },
      bypass: () => tabs.getState().nodeModeToggled({ ids: [...selectedIds(services)], mode: 'bypassed' }),
      mute: () => tabs.getState().nodeModeToggled({ ids: [...selectedIds(services)], mode: 'muted' }),
      palette: () => ui.getState().paletteOpened({ at: pointer.flow, screen: pointer.screen }),
      selectAll: () => tabs.getState().allSelected(),
      fitView: () => void flow.fitView({ padding: 0.1, duration: 200 }),
      autoLayout: () => tabs.getState().autoLayoutApplied(),
      addFrame: () => {
        const ids = selectedIds(services);
        const chosen = activeTab(tabs.getState()).doc.nodes.filter((n) => ids.has(n.id));
        if (chosen.length === 0) {
          tabs
            .getState()
            .frameAdded({ bounds: { ...pointer.flow, width: 400, height: 300 }, title: 'Group' });
          return;
        }
        const x = Math.min(...chosen.map((n) => n.position.x)) - FRAME_PADDING;
        const y = Math.min(...chosen.map((n) => n.position.y)) - FRAME_PADDING;
        const right =
          Math.max(...chosen.map((n) => n.position.x + (n.measured?.width ?? 240))) + FRAME_PADDING;
        const bottom =
          Math.max(...chosen.map((n) => n.position.y + (n.measured?.height ?? 120))) + FRAME_PADDING;
        tabs
          .getState()
          .frameAdded({ bounds: { x, y, width: right - x, height: bottom - y }, title: 'Group' });
      },
      addNote: () => tabs.getState().noteAdded({ position: pointer.flow, text: '' }),
      save: () => {
        const tab = activeTab(tabs.getState());
        if (tab.libraryName) void saveToLibrary(services, tab.libraryName);
        else ui.getState().panelToggled('library');
      },
      help: () => ui.getState().panelToggled('help'),
      closeOverlay: () => {
        ui.getState().paletteClosed();
        ui.getState().lightboxClosed();
        ui.getState().panelClosed();
      },
    };
    const onKey = (e: KeyboardEvent) => {
      const command = commandFor(e);
      if (!command) return;
      if (isEditable(e.target) && command !== 'queue' && command !== 'closeOverlay') return;
      if (ui.getState().palette.open && command !== 'closeOverlay') return;
      e.preventDefault();
      run[command]();
    };
    const onCopy = (e: ClipboardEvent) => {
      if (isEditable(e.target) || !e.clipboardData) return;
      const ids = selectedIds(services);
      if (ids.size === 0) return;
      e.clipboardData.setData(
        'text/plain',
        JSON.stringify(selectionToWorkflow(activeTab(tabs.getState()).doc, ids)),
      );
      e.preventDefault();
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target) || !e.clipboardData) return;
      const text = e.clipboardData.getData('text/plain');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return;
      }
      const parsed = parseWorkflow(json);
      if (!parsed.ok) return;
      e.preventDefault();
      tabs
        .getState()
        .fragmentPasted({ fragment: parsed.workflow, templates: ui.getState().templates, at: pointer.flow });
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
    };
  }, [services, pointer, flow]);
}
