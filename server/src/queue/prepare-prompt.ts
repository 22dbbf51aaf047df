/**
 * @module
 * Turns what a client submitted (a saved workflow, a ComfyUI frontend workflow or a bare executable
 * graph) into a validated prompt: on submission, and again before running a prompt that was queued
 * before a restart. A ComfyUI workflow is imported first; what the import changed is returned.
 */
import {
  fail,
  type ImportProblem,
  importWorkflow,
  looksLikeComfyUiWorkflow,
  looksLikeWorkflow,
  type NodeEnv,
  type NodeRegistry,
  ok,
  type Result,
  toPrompt,
  type ValidatedPrompt,
  type ValidationIssue,
  validatePrompt,
} from '@momaflow/engine';
import { registryImportTypes } from '../import';

export interface PreparedPrompt {
  /** The executable graph. */
  readonly prompt: unknown;
  /** The saved workflow, when that is what was submitted (a ComfyUI one as it was imported). */
  readonly workflow: unknown;
  readonly validated: ValidatedPrompt;
  /** What importing a ComfyUI workflow changed (empty for everything else). */
  readonly problems: readonly ImportProblem[];
}

/** An unknown type's issue says which node pack it comes from when the imported file recorded it. */
function withPackNamed(issue: ValidationIssue, problems: readonly ImportProblem[]): ValidationIssue {
  if (issue.type !== 'unknown_node_type') return issue;
  const imported = problems.find(
    (p) =>
      p.nodeId === issue.nodeId &&
      (p.code === 'unknown_node_type' || p.code === 'unsupported_node' || p.code === 'subgraph_refused'),
  );
  return imported ? { ...issue, message: imported.message } : issue;
}

/**
 * @example
 * const prepared = await preparePrompt({ data: body.prompt }, { registry, env });
 * if (!prepared.ok) return badRequest(prepared.issues);
 */
export async function preparePrompt(
  input: { readonly data: unknown; readonly targets?: readonly string[] },
  deps: { readonly registry: NodeRegistry; readonly env: NodeEnv },
): Promise<Result<PreparedPrompt>> {
  let data = input.data;
  let problems: readonly ImportProblem[] = [];
  if (looksLikeComfyUiWorkflow(data)) {
    const imported = importWorkflow(data, await registryImportTypes(deps));
    if (!imported.ok) return imported;
    ({ workflow: data, problems } = imported.value);
  }
  const converted = toPrompt(data, deps.registry);
  if (!converted.ok) return converted;
  const checked = await validatePrompt(converted.value, {
    registry: deps.registry,
    env: deps.env,
    ...(input.targets && input.targets.length > 0 ? { targets: input.targets } : {}),
  });
  if (!checked.ok) return fail(checked.issues.map((issue) => withPackNamed(issue, problems)));
  return ok({
    prompt: converted.value,
    workflow: looksLikeWorkflow(data) ? data : undefined,
    validated: checked.value,
    problems,
  });
}
