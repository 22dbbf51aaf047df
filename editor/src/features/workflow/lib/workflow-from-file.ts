/**
 * @module
 * What a dropped or picked file holds, read with the engine's importer against the node types the
 * server offers: a workflow JSON file (momaflow's, or ComfyUI's UI or API format), or a PNG saved by
 * momaflow or ComfyUI (its `workflow` text chunk, else its `prompt` chunk laid out in columns).
 */

import {
  type ImportedWorkflow,
  type ImportNodeTypes,
  importPngText,
  importWorkflow,
  type Result,
  WORKFLOW_VERSION,
} from '@momaflow/engine/protocol';
import { MAX_MESSAGES, type ParsedWorkflow } from './parse-workflow';
import { isPng, readPngText } from './png-text';

function parsed(result: Result<ImportedWorkflow>): ParsedWorkflow {
  if (!result.ok) {
    return {
      ok: false,
      code: 'invalid_workflow',
      messages: result.issues.slice(0, MAX_MESSAGES).map((issue) => issue.message),
    };
  }
  const { workflow, source, version, problems } = result.value;
  const migrated = source === 'momaflow' && version !== undefined && version !== WORKFLOW_VERSION;
  return {
    ok: true,
    workflow,
    ...(migrated ? { migratedFrom: version } : {}),
    ...(problems.length > 0 ? { problems } : {}),
  };
}

/**
 * @example
 * const parsed = await workflowFromFile(file.name, new Uint8Array(await file.arrayBuffer()), types);
 */
export async function workflowFromFile(
  name: string,
  bytes: Uint8Array,
  types: ImportNodeTypes,
): Promise<ParsedWorkflow> {
  if (isPng(bytes)) return parsed(importPngText(await readPngText(bytes), types, name));
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return { ok: false, code: 'invalid_workflow', messages: [`${name} is neither a PNG nor valid JSON`] };
  }
  return parsed(importWorkflow(data, types));
}
