/**
 * @module
 * The status bar's node-pack line: how many packs loaded, and each pack that did not (disabled,
 * incompatible, failed) with the server's reason, or nodes renamed because their name was taken.
 * Read from `/api/system_stats` whenever node types are (re)loaded.
 */
import { useEffect, useState } from 'react';
import { useServices, useUi } from '../../../app/editor-context';
import type { PackSummary } from '../../api/lib/api-schemas';

function problem(pack: PackSummary): string | undefined {
  if (pack.status === 'loaded') {
    return pack.renamed?.length
      ? `renamed ${pack.renamed.map((r) => `${r.from} → ${r.to}`).join(', ')}`
      : undefined;
  }
  return pack.error?.message ?? pack.status;
}

export function PackStatus() {
  const { api } = useServices();
  const ready = useUi((s) => s.templatesStatus.status === 'ready' && s.templates);
  const [packs, setPacks] = useState<readonly PackSummary[]>([]);
  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    api.nodePacks().then(
      (list) => !cancelled && setPacks(list),
      () => !cancelled && setPacks([]),
    );
    return () => {
      cancelled = true;
    };
  }, [api, ready]);
  if (packs.length === 0) return null;
  const loaded = packs.filter((p) => p.status === 'loaded').length;
  const notes = packs.flatMap((p) => {
    const text = problem(p);
    return text ? [{ pack: p, text }] : [];
  });
  const failed = packs.length - loaded;
  return (
    <details className="mf-status-details" data-testid="pack-status">
      <summary className={failed > 0 ? 'mf-status-error' : 'mf-muted'}>
        {`node packs: ${loaded} loaded${failed > 0 ? `, ${failed} not loaded` : ''}`}
      </summary>
      <ul className="mf-status-popup">
        {packs.map((p) => (
          <li key={`${p.id}@${p.version ?? ''}`} data-pack={p.id} data-pack-status={p.status}>
            <strong>{p.id}</strong> {p.version ?? ''} — {p.status}
            {p.sandboxed ? ' (sandboxed)' : ''}
            {notes.find((n) => n.pack === p) && <div className="mf-issue">{problem(p)}</div>}
          </li>
        ))}
      </ul>
    </details>
  );
}
