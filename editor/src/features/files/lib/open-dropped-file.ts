/**
 * @module
 * Opening a workflow from a file (dropped on the canvas or picked with "Open file"): JSON in any
 * known version, or a PNG written by SaveImage. It opens in a new tab; problems become a toast.
 */
import type { EditorServices } from '../../../app/editor-context';
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
  const parsed = await workflowFromFile(file.name, new Uint8Array(await file.arrayBuffer()));
  if (!parsed.ok) {
    ui.getState().toastShown('error', parsed.messages.join('\n'));
    return false;
  }
  const title = parsed.workflow.name ?? file.name.replace(/\.(json|png)$/i, '');
  tabs.getState().workflowOpened({ workflow: parsed.workflow, templates: ui.getState().templates, title });
  if (parsed.migratedFrom !== undefined) {
    ui.getState().toastShown(
      'info',
      `${file.name} was a version ${parsed.migratedFrom} workflow; it will be saved as version 2`,
    );
  }
  return true;
}
