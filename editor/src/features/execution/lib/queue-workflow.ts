/**
 * @module
 * Queue (Ctrl+Enter): sends the active tab's workflow with a prompt id chosen here, so events that
 * arrive before the HTTP answer already find their tab. A refused prompt paints its problems on the
 * nodes; an accepted one advances the seeds per their control.
 */
import type { EditorServices } from '../../../app/editor-context';
import { advancedSeeds } from '../../graph/lib/seed-control';
import { activeTab } from '../../tabs/store/tabs-store';
import { docToWorkflow } from '../../workflow/lib/doc-to-workflow';
import { randomId } from './random-id';

/**
 * @example
 * await queueWorkflow(services);
 */
export async function queueWorkflow(
  services: EditorServices,
  random: () => number = Math.random,
): Promise<void> {
  const { tabs, runs, ui, api, clientId } = services;
  const tab = activeTab(tabs.getState());
  const workflow = docToWorkflow(tab.doc);
  const nodeIds = Object.entries(workflow.nodes)
    .filter(([, n]) => n.mode === 'always')
    .map(([id]) => id);
  if (nodeIds.length === 0) {
    ui.getState().toastShown('info', 'Nothing to queue: add some nodes first');
    return;
  }
  const promptId = randomId();
  runs.getState().promptQueued({ tabId: tab.id, promptId, nodeIds });
  try {
    const result = await api.queuePrompt({ workflow, clientId, promptId });
    if (!result.ok) {
      runs.getState().promptRejected({
        tabId: tab.id,
        message: result.message,
        issues: result.issues.map((i) => ({
          nodeId: i.nodeId,
          type: i.type,
          message: i.message,
          ...(i.input !== undefined ? { input: i.input } : {}),
        })),
      });
      ui.getState().toastShown('error', result.message);
      return;
    }
    const seeds = advancedSeeds(tab.doc, ui.getState().templates, random);
    if (seeds.length > 0 && activeTab(tabs.getState()).id === tab.id) tabs.getState().seedsAdvanced(seeds);
  } catch (err) {
    runs
      .getState()
      .promptRejected({ tabId: tab.id, issues: [], message: 'the server did not accept the prompt' });
    ui.getState().toastShown('error', `Queue failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
