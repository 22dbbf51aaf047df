/**
 * @module
 * Reads a saved workflow of any known version and returns version 2: the engine's `parseWorkflow`
 * (the same zod schemas and migrations the server runs), with its issues turned into what the editor
 * shows (a toast with a few lines) and the version a file was migrated from.
 */
import {
  type ImportProblem,
  parseWorkflow as parseAndMigrate,
  WORKFLOW_VERSION,
  type Workflow,
  zWorkflowV1,
} from '@momaflow/engine/protocol';

/** The outcome of reading a workflow document. */
export type ParsedWorkflow =
  | {
      readonly ok: true;
      readonly workflow: Workflow;
      readonly migratedFrom?: number;
      /** What importing a file from ComfyUI (or with unknown node types) changed. */
      readonly problems?: readonly ImportProblem[];
    }
  | {
      readonly ok: false;
      readonly code: 'unsupported_version' | 'invalid_workflow';
      readonly messages: string[];
    };

/** Versions the engine reads: the frozen v1 schema's literal and the current one. */
const READABLE_VERSIONS: readonly unknown[] = [zWorkflowV1.shape.version.value, WORKFLOW_VERSION];
/** A toast shows this many problems; the rest add nothing a user can act on at once. */
export const MAX_MESSAGES = 10;

/**
 * @example
 * const parsed = parseWorkflow(JSON.parse(text));
 * if (parsed.ok) workflowOpened(parsed.workflow);
 */
export function parseWorkflow(data: unknown): ParsedWorkflow {
  const version = typeof data === 'object' && data !== null ? Reflect.get(data, 'version') : undefined;
  const parsed = parseAndMigrate(data);
  if (parsed.ok) {
    return version === WORKFLOW_VERSION || typeof version !== 'number'
      ? { ok: true, workflow: parsed.value }
      : { ok: true, workflow: parsed.value, migratedFrom: version };
  }
  return {
    ok: false,
    code: READABLE_VERSIONS.includes(version) ? 'invalid_workflow' : 'unsupported_version',
    messages: parsed.issues.slice(0, MAX_MESSAGES).map((issue) => issue.message),
  };
}
