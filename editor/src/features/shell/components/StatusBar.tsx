/**
 * @module
 * The bottom line: the active tab's run status, a problem that belongs to no node, the models the
 * workflow needs, the node packs' load report, and whether node types are loaded.
 */
import { useRuns, useTabs, useUi } from '../../../app/editor-context';
import { ModelsNeeded } from './ModelsNeeded';
import { PackStatus } from './PackStatus';

export function StatusBar() {
  const tabId = useTabs((s) => s.activeId);
  const status = useRuns((s) => s.byTab[tabId]?.status ?? null);
  const message = useRuns((s) => s.byTab[tabId]?.message ?? null);
  const templates = useUi((s) => s.templatesStatus);
  const count = useUi((s) => s.templates.size);
  return (
    <footer className="mf-statusbar" data-testid="status-bar">
      <span data-testid="run-status" data-status={status ?? 'idle'}>
        {status ? `Last run: ${status}` : 'Ready'}
      </span>
      {message && <span className="mf-status-error">{message}</span>}
      <span className="mf-spacer" />
      <ModelsNeeded />
      <PackStatus />
      <span className="mf-muted">
        {templates.status === 'ready'
          ? `${count} node types`
          : templates.status === 'loading'
            ? 'loading node types…'
            : `node types: ${templates.message}`}
      </span>
    </footer>
  );
}
