/**
 * @module
 * `POST /prompt` validates and enqueues (a saved workflow, a ComfyUI frontend workflow, or a bare
 * executable graph; `front` jumps the queue; `client_id` routes the events), answering 400 with per-node errors when it doesn't
 * validate. `GET /prompt` reports the queue size.
 */
import { zDict } from '@momaflow/engine';
import { Hono } from 'hono';
import { z } from 'zod';
import { zClientId } from '../../protocol';
import { preparePrompt, queueRemaining } from '../../queue';
import { zExtraData } from '../../store';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { nodeErrors } from '../comfy-shapes';
import { jsonBody } from '../validation';

/** Prompt ids: UUIDs by default, or what a client chose within these characters. */
export const zPromptId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a prompt id is 1-64 letters, digits, "_" or "-"');

/** ComfyUI's `POST /prompt` body. Unknown fields are ignored, as ComfyUI does. */
export const zPromptRequest = z.object({
  prompt: zDict(z.unknown()).describe(
    'The executable graph (node id -> { class_type, inputs }) or a saved workflow document.',
  ),
  client_id: zClientId.optional().describe('Events of this prompt go to the WebSocket client with this id.'),
  prompt_id: zPromptId.optional().describe('Choose the prompt id (default: a new UUID).'),
  front: z.boolean().optional().describe('Run before everything already queued.'),
  extra_data: zExtraData
    .optional()
    .describe('Kept with the prompt; extra_pnginfo.workflow is embedded in outputs.'),
  partial_execution_targets: z
    .array(z.string().min(1).max(64))
    .max(1000)
    .optional()
    .describe('Execute only these nodes (and their ancestors).'),
});

const zPngInfo = z.object({ extra_pnginfo: z.object({ workflow: z.unknown() }).optional() });

/**
 * @example
 * api.route('/', createPromptRoutes({ registry, env, queue }));
 */
export function createPromptRoutes(deps: Pick<AppDeps, 'registry' | 'env' | 'queue'>): Hono<AppEnv> {
  const { queue } = deps;
  return new Hono<AppEnv>()
    .get('/prompt', (c) => c.json({ exec_info: { queue_remaining: queueRemaining(queue.state()) } }))
    .post('/prompt', jsonBody(zPromptRequest), async (c) => {
      const body = c.req.valid('json');
      if (body.prompt_id && queue.lookup(body.prompt_id)) {
        throw new ApiError('conflict', `a prompt with id '${body.prompt_id}' already exists`);
      }
      const prepared = await preparePrompt(
        {
          data: body.prompt,
          ...(body.partial_execution_targets ? { targets: body.partial_execution_targets } : {}),
        },
        deps,
      );
      if (!prepared.ok) {
        const first = prepared.issues[0];
        throw new ApiError(
          'invalid_prompt',
          `the prompt has ${prepared.issues.length} problem(s)${first ? `; first: ${first.message}` : ''}`,
          { details: { issues: prepared.issues }, extra: { node_errors: nodeErrors(prepared.issues) } },
        );
      }
      const { prompt, workflow, validated, problems } = prepared.value;
      const extra = body.extra_data ?? {};
      const item = queue.enqueue({
        ...(body.prompt_id ? { id: body.prompt_id } : {}),
        front: body.front ?? false,
        clientId: body.client_id ?? null,
        prompt,
        workflow: workflow ?? zPngInfo.safeParse(extra).data?.extra_pnginfo?.workflow,
        targets: validated.targets,
        extra,
        validated,
      });
      return c.json({
        prompt_id: item.id,
        number: item.number,
        node_errors: {},
        // A ComfyUI workflow was imported: what it could not carry over as it was.
        ...(problems.length > 0 ? { import_problems: problems } : {}),
      });
    });
}
