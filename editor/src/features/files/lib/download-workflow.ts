/**
 * @module
 * Saving the active workflow as a JSON download (browser side effect at the edge).
 */
import type { Workflow } from '@momaflow/engine/protocol';

/** A file name from a title: letters, digits and dashes, never empty. */
export function downloadName(title: string): string {
  const base = title
    .trim()
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${base || 'workflow'}.json`;
}

/** Starts a download of `workflow` as pretty-printed JSON. */
export function downloadWorkflow(workflow: Workflow, title: string): void {
  const url = URL.createObjectURL(
    new Blob([`${JSON.stringify(workflow, null, 2)}\n`], { type: 'application/json' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = downloadName(title);
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
