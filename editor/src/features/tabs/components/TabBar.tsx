/**
 * @module
 * Open workflows as tabs; a dot marks unsaved changes.
 */
import { useServices, useTabs } from '../../../app/editor-context';
import { isDirty } from '../store/tabs-store';

export function TabBar() {
  const { tabs } = useServices();
  const list = useTabs((s) => s.tabs);
  const activeId = useTabs((s) => s.activeId);
  return (
    <div className="mf-tabbar" role="tablist" aria-label="Open workflows">
      {list.map((tab) => (
        <div
          key={tab.id}
          role="tab"
          tabIndex={0}
          aria-selected={tab.id === activeId}
          className={tab.id === activeId ? 'mf-tab mf-active' : 'mf-tab'}
          data-testid="tab"
          onClick={() => tabs.getState().tabActivated(tab.id)}
          onKeyDown={(e) => e.key === 'Enter' && tabs.getState().tabActivated(tab.id)}
        >
          <span className="mf-tab-title">{tab.title}</span>
          {isDirty(tab) && (
            <span className="mf-dirty" title="Unsaved changes" data-testid="unsaved">
              ●
            </span>
          )}
          <button
            type="button"
            className="mf-tab-close"
            aria-label={`Close ${tab.title}`}
            onClick={(e) => {
              e.stopPropagation();
              if (!isDirty(tab) || window.confirm(`Close '${tab.title}' without saving?`))
                tabs.getState().tabClosed(tab.id);
            }}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="mf-tab-new"
        aria-label="New workflow"
        onClick={() => tabs.getState().tabCreated()}
      >
        +
      </button>
    </div>
  );
}
