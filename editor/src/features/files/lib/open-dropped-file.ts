/**
 * @module
 * Opening a workflow from a file (dropped on the canvas or picked with "Open file"): momaflow or
 * ComfyUI JSON (UI or API format), or a PNG either saved. It opens in a new tab; what could not be
 * read is an error toast, what the import changed an info toast naming each node.
 */
import type { EditorServices } from '../../../app/editor-context';
import { MAX_MESSAGES } from '../../workflow/lib/parse-workflow';
import { workflowFromFile } from '../../workflow/lib/workflow-from-file';

/** Largest file read (a PNG with an embedded workflow is rarely more than a few MB). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * @example
 * input.onchange = () => openDroppedFile(services, input.files[0]);
 */
export async function openDroppedFile(
  services: Pick<EditorServices, 'tabs' | 'ui'>,
  file: File,
): Promise<boolean> {
  const { tabs, ui } = services;
  if (file.size > MAX_FILE_BYTES) {
    ui.getState().toastShown('error', `${file.name} is too large to be a workflow`);
    return false;
  }
  if (ui.getState().templatesStatus.status !== 'ready') {
    // ComfyUI files are mapped by the node schemas, which arrive with the connection.
    ui.getState().toastShown(
      'error',
      `the node types are not loaded yet; open ${file.name} again once connected`,
    );
    return false;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (err) {
    // The file went away or became unreadable between picking and reading.
    ui.getState().toastShown(
      'error',
      `cannot read ${file.name}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return false;
  }
  const parsed = await workflowFromFile(file.name, bytes, ui.getState().importTypes);
  if (!parsed.ok) {
    ui.getState().toastShown('error', parsed.messages.join('\n'));
    return false;
  }
  const title = parsed.workflow.name ?? file.name.replace(/\.(json|png)$/i, '');
  tabs.getState().workflowOpened({ workflow: parsed.workflow, templates: ui.getState().templates, title });
  if (parsed.problems) {
    const lines = parsed.problems.slice(0, MAX_MESSAGES).map((p) => `• ${p.message}`);
    const more =
      parsed.problems.length > MAX_MESSAGES ? [`… and ${parsed.problems.length - MAX_MESSAGES} more`] : [];
    ui.getState().toastShown('info', [`${file.name}: what the import changed`, ...lines, ...more].join('\n'));
  }
  if (parsed.migratedFrom !== undefined) {
    ui.getState().toastShown(
      'info',
      `${file.name} was a version ${parsed.migratedFrom} workflow; it will be saved as version 2`,
    );
  }
  return true;
}
