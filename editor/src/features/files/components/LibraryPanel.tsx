/**
 * @module
 * The server's workflow library: save the active tab under a name, open saved workflows.
 */
import { useCallback, useEffect, useState } from 'react';
import { useServices, useTabs } from '../../../app/editor-context';
import type { LibraryEntry } from '../../api/lib/api-schemas';
import { activeTab } from '../../tabs/store/tabs-store';
import { parseWorkflow } from '../../workflow/lib/parse-workflow';
import { libraryNameFor, saveToLibrary } from '../lib/save-to-library';

export function LibraryPanel() {
  const services = useServices();
  const { api, ui, tabs } = services;
  const title = useTabs((s) => activeTab(s).libraryName ?? activeTab(s).title);
  const [name, setName] = useState(libraryNameFor(title));
  const [entries, setEntries] = useState<LibraryEntry[]>([]);
  const refresh = useCallback(async () => {
    try {
      setEntries(await api.library());
    } catch (err) {
      ui.getState().toastShown(
        'error',
        `Could not list the library: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }, [api, ui]);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => setName(libraryNameFor(title)), [title]);

  const open = async (entry: LibraryEntry) => {
    const parsed = parseWorkflow(await api.libraryWorkflow(entry.name));
    if (!parsed.ok) {
      ui.getState().toastShown('error', parsed.messages.join('\n'));
      return;
    }
    const libraryName = entry.name.replace(/\.json$/i, '');
    tabs.getState().workflowOpened({
      workflow: parsed.workflow,
      templates: ui.getState().templates,
      title: libraryName,
      libraryName,
    });
  };
  return (
    <section className="mf-panel" aria-label="Workflow library" data-testid="library-panel">
      <h2>Library</h2>
      <form
        className="mf-save-form"
        onSubmit={(e) => {
          e.preventDefault();
          void saveToLibrary(services, name.trim()).then(async (ok) => {
            if (ok) await refresh();
          });
        }}
      >
        <input aria-label="Workflow name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Save</button>
      </form>
      {entries.length === 0 && <p className="mf-muted">No saved workflows yet.</p>}
      <ul className="mf-library-list">
        {entries.map((entry) => (
          <li key={entry.name}>
            <button type="button" className="mf-link-button" onClick={() => void open(entry)}>
              {entry.name.replace(/\.json$/i, '')}
            </button>
            <span className="mf-muted">{new Date(entry.modified).toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
