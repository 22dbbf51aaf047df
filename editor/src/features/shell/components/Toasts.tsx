/**
 * @module
 * Toast messages (refused links, failed requests); errors stay until dismissed, info fades.
 */
import { useEffect } from 'react';
import { useServices, useUi } from '../../../app/editor-context';

const INFO_MS = 4000;
const ERROR_MS = 12_000;

export function Toasts() {
  const { ui } = useServices();
  const toasts = useUi((s) => s.toasts);
  useEffect(() => {
    const timers = toasts.map((t) =>
      setTimeout(() => ui.getState().toastDismissed(t.id), t.kind === 'info' ? INFO_MS : ERROR_MS),
    );
    return () => {
      for (const timer of timers) clearTimeout(timer);
    };
  }, [toasts, ui]);
  return (
    <div className="mf-toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`mf-toast mf-toast-${toast.kind}`}
          role={toast.kind === 'error' ? 'alert' : 'status'}
          data-testid="toast"
        >
          <span>{toast.message}</span>
          <button type="button" aria-label="Dismiss" onClick={() => ui.getState().toastDismissed(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
