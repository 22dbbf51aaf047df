/**
 * @module
 * The top bar: file actions, examples, the Queue button, panels and the connection state.
 */
import { useEffect, useRef, useState } from 'react';
import { useRuns, useServices, useUi } from '../../../app/editor-context';
import type { Example } from '../../api/lib/api-schemas';
import { queueWorkflow } from '../../execution/lib/queue-workflow';
import { downloadWorkflow } from '../../files/lib/download-workflow';
import { openDroppedFile } from '../../files/lib/open-dropped-file';
import { withProvenance } from '../../schema/lib/pack-of-templates';
import { activeTab } from '../../tabs/store/tabs-store';
import { docToWorkflow } from '../../workflow/lib/doc-to-workflow';
import { parseWorkflow } from '../../workflow/lib/parse-workflow';

function ExamplesMenu() {
  const { api, ui, tabs } = useServices();
  const [open, setOpen] = useState(false);
  const [examples, setExamples] = useState<Example[]>([]);
  useEffect(() => {
    if (!open) return;
    api
      .examples()
      .then(setExamples, (err: unknown) =>
        ui.getState().toastShown('error', `Could not list examples: ${String(err)}`),
      );
  }, [open, api, ui]);
  const load = async (example: Example) => {
    setOpen(false);
    const parsed = parseWorkflow(await api.example(example.name));
    if (!parsed.ok) ui.getState().toastShown('error', parsed.messages.join('\n'));
    else
      tabs.getState().workflowOpened({
        workflow: parsed.workflow,
        templates: ui.getState().templates,
        title: example.title,
      });
  };
  return (
    <div className="mf-menu">
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Examples ▾
      </button>
      {open && (
        <div className="mf-menu-popup" role="menu" data-testid="examples-menu">
          {examples.length === 0 && <div className="mf-muted">loading…</div>}
          {examples.map((example) => (
            <button
              key={example.name}
              type="button"
              role="menuitem"
              data-example={example.name}
              title={example.description}
              onClick={() => void load(example)}
            >
              {example.title}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

export function TopBar() {
  const services = useServices();
  const { tabs, ui } = services;
  const connection = useRuns((s) => s.connection);
  const queueRemaining = useRuns((s) => s.queueRemaining);
  const panel = useUi((s) => s.panel);
  const fileInput = useRef<HTMLInputElement>(null);
  return (
    <header className="mf-topbar">
      <span className="mf-brand">momaflow</span>
      <button type="button" onClick={() => fileInput.current?.click()}>
        Open file…
      </button>
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json,image/png"
        hidden
        data-testid="open-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void openDroppedFile(services, file);
          e.target.value = '';
        }}
      />
      <button
        type="button"
        onClick={() => {
          const tab = activeTab(tabs.getState());
          downloadWorkflow(withProvenance(docToWorkflow(tab.doc), ui.getState().templates), tab.title);
        }}
      >
        Download
      </button>
      <button
        type="button"
        className={panel === 'library' ? 'mf-active' : ''}
        onClick={() => ui.getState().panelToggled('library')}
      >
        Library
      </button>
      <ExamplesMenu />
      <span className="mf-spacer" />
      <span
        className={`mf-connection mf-connection-${connection}`}
        data-testid="connection"
        title={`WebSocket ${connection}`}
      >
        ● {connection === 'open' ? 'connected' : connection}
      </span>
      <button
        type="button"
        className={panel === 'queue' ? 'mf-active' : ''}
        onClick={() => ui.getState().panelToggled('queue')}
      >
        Queue ({queueRemaining})
      </button>
      <button
        type="button"
        className="mf-primary"
        data-testid="queue-button"
        title="Queue (Ctrl+Enter)"
        onClick={() => void queueWorkflow(services)}
      >
        ▶ Queue
      </button>
      <button
        type="button"
        aria-label="Keyboard shortcuts"
        className={panel === 'help' ? 'mf-active' : ''}
        onClick={() => ui.getState().panelToggled('help')}
      >
        ?
      </button>
    </header>
  );
}
