/**
 * @module
 * Turns what a client submitted (a saved workflow or a bare executable graph) into a validated
 * prompt: on submission, and again before running a prompt that was queued before a restart.
 */
import {
  looksLikeWorkflow,
  type NodeEnv,
  type NodeRegistry,
  ok,
  type Result,
  toPrompt,
  type ValidatedPrompt,
  validatePrompt,
} from '@momaflow/engine';

export interface PreparedPrompt {
  /** The executable graph. */
  readonly prompt: unknown;
  /** The saved workflow, when that is what was submitted. */
  readonly workflow: unknown;
  readonly validated: ValidatedPrompt;
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
  const converted = toPrompt(input.data, deps.registry);
  if (!converted.ok) return converted;
  const checked = await validatePrompt(converted.value, {
    registry: deps.registry,
    env: deps.env,
    ...(input.targets && input.targets.length > 0 ? { targets: input.targets } : {}),
  });
  if (!checked.ok) return checked;
  return ok({
    prompt: converted.value,
    workflow: looksLikeWorkflow(input.data) ? input.data : undefined,
    validated: checked.value,
  });
}
