/**
 * @module
 * A workflow from a file on disk, whatever made it: JSON in momaflow's or ComfyUI's formats (UI
 * schema 0.4 or 1, or API), or a PNG saved by either (its `workflow` text, else its `prompt`).
 */
import { readFile } from 'node:fs/promises';
import {
  fail,
  type ImportedWorkflow,
  type ImportNodeTypes,
  importPngText,
  importWorkflow,
  type Result,
} from '@momaflow/engine';
import { isPng, readPngText } from '@momaflow/nodes';

const problem = (message: string) =>
  fail<ImportedWorkflow>([{ type: 'invalid_prompt', nodeId: null, classType: null, message }]);

/**
 * @example
 * const imported = await readWorkflowFile('ComfyUI_00001_.png', types);
 */
export async function readWorkflowFile(
  file: string,
  types: ImportNodeTypes,
): Promise<Result<ImportedWorkflow>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return problem(
      `cannot read workflow file '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  if (isPng(bytes)) return importPngText(readPngText(bytes), types, `'${file}'`);
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return problem(`workflow file '${file}' is neither a PNG nor valid JSON: ${(err as Error).message}`);
  }
  return importWorkflow(data, types);
}
