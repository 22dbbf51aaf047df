/**
 * @module
 * Saving the active tab to the server's workflow library under a name, then marking it saved.
 */
import type { EditorServices } from '../../../app/editor-context';
import { withProvenance } from '../../schema/lib/pack-of-templates';
import { activeTab } from '../../tabs/store/tabs-store';
import { docToWorkflow } from '../../workflow/lib/doc-to-workflow';

/** Library names the server accepts: letters, digits, spaces and _().,+- (up to 100). */
export const LIBRARY_NAME = /^[A-Za-z0-9][A-Za-z0-9 _().,+-]{0,99}$/;

/** A valid library name made from a title. */
export function libraryNameFor(title: string): string {
  const cleaned = title
    .replace(/\.json$/i, '')
    .replace(/[^A-Za-z0-9 _().,+-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return cleaned.slice(0, 100) || 'workflow';
}

/**
 * @example
 * await saveToLibrary(services, 'portrait v2');
 */
export async function saveToLibrary(
  services: Pick<EditorServices, 'tabs' | 'ui' | 'api'>,
  name: string,
): Promise<boolean> {
  const { tabs, ui, api } = services;
  if (!LIBRARY_NAME.test(name)) {
    ui.getState().toastShown(
      'error',
      `'${name}' is not a valid name: use letters, digits, spaces and _().,+-`,
    );
    return false;
  }
  const tab = activeTab(tabs.getState());
  try {
    await api.saveToLibrary(name, withProvenance(docToWorkflow(tab.doc), ui.getState().templates));
    tabs.getState().tabSaved({ id: tab.id, libraryName: name, title: name });
    ui.getState().toastShown('info', `Saved '${name}'`);
    return true;
  } catch (err) {
    ui.getState().toastShown('error', `Save failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
