/**
 * @module
 * The status bar's model line: the model files the active workflow needs, with those the server does
 * not have marked missing (and how to fetch them).
 */
import { useMemo } from 'react';
import { useTabs, useUi } from '../../../app/editor-context';
import { activeTab } from '../../tabs/store/tabs-store';
import { neededModels } from '../../workflow/lib/needed-models';

export function ModelsNeeded() {
  const doc = useTabs((s) => activeTab(s).doc);
  const templates = useUi((s) => s.templates);
  const models = useMemo(() => neededModels(doc, templates), [doc, templates]);
  if (models.length === 0) return null;
  const missing = models.filter((m) => !m.present).length;
  return (
    <details className="mf-status-details" data-testid="models-needed">
      <summary className={missing > 0 ? 'mf-status-error' : 'mf-muted'}>
        {`models: ${models.length} needed${missing > 0 ? `, ${missing} missing` : ''}`}
      </summary>
      <ul className="mf-status-popup">
        {models.map((m) => (
          <li key={`${m.folder}/${m.file}`} data-model={`${m.folder}/${m.file}`} data-present={m.present}>
            {m.present ? '✓' : '✗'} models/{m.folder}/{m.file}{' '}
            <span className="mf-muted">(node {m.nodeIds.map((id) => `#${id}`).join(', ')})</span>
            {!m.present && (
              <div className="mf-issue">
                missing: put it in models/{m.folder}/, or fetch it with momaflow models pull (momaflow models
                list shows the known names)
              </div>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}
