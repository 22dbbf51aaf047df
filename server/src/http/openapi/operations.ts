/**
 * @module
 * Every HTTP endpoint as data: method, path, summary, and the same zod schemas the routes validate
 * with, so the OpenAPI document cannot drift from what the server accepts. A test checks that each
 * route the app registers appears here.
 */
import type { z } from 'zod';
import type { ApiErrorType } from '../api-error';
import { zExampleParams } from '../routes/example-routes';
import {
  zHistoryChange,
  zHistoryLookupParams,
  zHistoryQuery,
  zPromptIdParams,
} from '../routes/history-routes';
import { zInterruptRequest } from '../routes/interrupt-route';
import { zNodeTypeParams } from '../routes/object-info-routes';
import { zPromptRequest } from '../routes/prompt-routes';
import { zQueueChange } from '../routes/queue-routes';
import { zModelFolderParams } from '../routes/system-routes';
import { zSaveWorkflowQuery, zWorkflowBody, zWorkflowNameParams } from '../routes/userdata-routes';
import { zViewQuery } from '../routes/view-route';
import { zWsQuery } from '../routes/ws-route';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface Operation {
  readonly method: HttpMethod;
  /** Hono-style path (`/history/:prompt_id`), relative to the server root. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly json?: z.ZodType;
  /** Multipart form fields: name -> description (`image` is the file). */
  readonly multipart?: Readonly<Record<string, string>>;
  readonly ok: {
    readonly status: 200 | 201 | 101;
    readonly description: string;
    readonly mediaType?: string;
  };
  /** The error types this endpoint returns besides the ones every endpoint can. */
  readonly errors: readonly ApiErrorType[];
}

const UPLOAD_FIELDS = {
  image: 'The image file (PNG, JPEG or WEBP); it must decode completely.',
  overwrite: "'true' replaces a file of the same name; otherwise ' (1)' is appended.",
  subfolder: 'Subfolder of the target folder (relative, "/"-separated).',
  type: 'input (default), temp or output.',
};

/** The endpoint table the OpenAPI document is built from. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: '/api/object_info',
    tag: 'nodes',
    summary: 'Schemas of every node type (ComfyUI shape).',
    ok: { status: 200, description: 'Node type -> schema.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/object_info/:type',
    tag: 'nodes',
    summary: 'Schema of one node type.',
    params: zNodeTypeParams,
    ok: { status: 200, description: '{ [type]: schema }' },
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/api/prompt',
    tag: 'queue',
    summary: 'Queue size.',
    ok: { status: 200, description: '{ exec_info: { queue_remaining } }' },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/prompt',
    tag: 'queue',
    summary: 'Validate and enqueue a prompt (saved workflow or executable graph).',
    json: zPromptRequest,
    ok: { status: 200, description: '{ prompt_id, number, node_errors: {} }' },
    errors: ['invalid_prompt', 'conflict'],
  },
  {
    method: 'get',
    path: '/api/queue',
    tag: 'queue',
    summary: 'Running and pending prompts as [number, prompt_id, prompt, extra_data, outputs].',
    ok: { status: 200, description: '{ queue_running, queue_pending }' },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/queue',
    tag: 'queue',
    summary: 'Delete pending prompts or clear the queue.',
    json: zQueueChange,
    ok: { status: 200, description: '{ deleted: prompt ids }' },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/interrupt',
    tag: 'queue',
    summary: 'Interrupt the running prompt, or a given prompt (running: interrupted; pending: cancelled).',
    json: zInterruptRequest,
    ok: { status: 200, description: '{ interrupted, cancelled }' },
    errors: ['not_found', 'conflict'],
  },
  {
    method: 'get',
    path: '/api/history',
    tag: 'history',
    summary: 'Finished prompts, oldest first; paged with max_items/offset (X-Total-Count header).',
    query: zHistoryQuery,
    ok: { status: 200, description: 'prompt id -> { prompt, outputs, status, meta, timings, error, times }' },
    errors: [],
  },
  {
    method: 'delete',
    path: '/api/history',
    tag: 'history',
    summary: 'Delete all history.',
    ok: { status: 200, description: '{ deleted: count }' },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/history',
    tag: 'history',
    summary: "ComfyUI's history edit: { clear } or { delete: ids }.",
    json: zHistoryChange,
    ok: { status: 200, description: '{ deleted: count }' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/history/:prompt_id',
    tag: 'history',
    summary: 'One history entry.',
    params: zHistoryLookupParams,
    ok: {
      status: 200,
      description: '{ [prompt_id]: entry }, or {} while the prompt has not finished or for an unknown id',
    },
    errors: [],
  },
  {
    method: 'delete',
    path: '/api/history/:prompt_id',
    tag: 'history',
    summary: 'Delete one history entry.',
    params: zPromptIdParams,
    ok: { status: 200, description: '{ deleted: 1 }' },
    errors: ['not_found'],
  },
  {
    method: 'post',
    path: '/api/history/:prompt_id/requeue',
    tag: 'history',
    summary: 'Queue an interrupted or failed prompt again.',
    params: zPromptIdParams,
    ok: { status: 200, description: '{ prompt_id, number }' },
    errors: ['not_found', 'conflict'],
  },
  {
    method: 'get',
    path: '/api/view',
    tag: 'files',
    summary: 'A file from output/input/temp; preview=webp;90[;512] re-encodes and shrinks, channel=rgb|a.',
    query: zViewQuery,
    ok: { status: 200, description: 'The file.', mediaType: 'application/octet-stream' },
    errors: ['invalid_path', 'forbidden_path', 'not_found', 'invalid_image'],
  },
  {
    method: 'post',
    path: '/api/upload/image',
    tag: 'files',
    summary: 'Upload an image into input (or temp/output).',
    multipart: UPLOAD_FIELDS,
    ok: { status: 200, description: '{ name, subfolder, type }' },
    errors: ['invalid_multipart', 'invalid_path', 'forbidden_path', 'invalid_image', 'conflict'],
  },
  {
    method: 'post',
    path: '/api/upload/mask',
    tag: 'files',
    summary: "Apply an uploaded mask's alpha to an existing image and save it as PNG.",
    multipart: {
      ...UPLOAD_FIELDS,
      original_ref: 'JSON { filename, subfolder, type } of the image the mask belongs to.',
    },
    ok: { status: 200, description: '{ name, subfolder, type }' },
    errors: ['invalid_multipart', 'invalid_path', 'forbidden_path', 'not_found', 'invalid_image', 'conflict'],
  },
  {
    method: 'get',
    path: '/api/system_stats',
    tag: 'system',
    summary: 'OS, memory, devices, queue and WebSocket counters.',
    ok: { status: 200, description: '{ system, devices, queue, websocket }' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/models',
    tag: 'models',
    summary: "Model folders: ComfyUI's folder names and any other folder under models/.",
    ok: { status: 200, description: 'Folder names.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/embeddings',
    tag: 'models',
    summary: 'Embedding names (files in models/embeddings without their extension).',
    ok: { status: 200, description: 'Names.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/extensions',
    tag: 'models',
    summary: "Frontend extension scripts ComfyUI's web UI would load; momaflow's editor has none.",
    ok: { status: 200, description: 'An empty list.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/models/:folder',
    tag: 'models',
    summary: 'Model files in one folder (relative paths; other files are not listed).',
    params: zModelFolderParams,
    ok: { status: 200, description: 'File paths.' },
    errors: ['invalid_path', 'not_found'],
  },
  {
    method: 'get',
    path: '/api/userdata/workflows',
    tag: 'workflows',
    summary: 'Saved workflows.',
    ok: { status: 200, description: '[{ name, size, modified }]' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/userdata/workflows/:name',
    tag: 'workflows',
    summary: 'One saved workflow.',
    params: zWorkflowNameParams,
    ok: { status: 200, description: 'The workflow document.' },
    errors: ['not_found'],
  },
  {
    method: 'put',
    path: '/api/userdata/workflows/:name',
    tag: 'workflows',
    summary: 'Save a workflow (checked as a saved workflow).',
    params: zWorkflowNameParams,
    query: zSaveWorkflowQuery,
    json: zWorkflowBody,
    ok: { status: 201, description: '{ name } (200 when it replaced one)' },
    errors: ['invalid_workflow', 'conflict'],
  },
  {
    method: 'delete',
    path: '/api/userdata/workflows/:name',
    tag: 'workflows',
    summary: 'Delete a saved workflow.',
    params: zWorkflowNameParams,
    ok: { status: 200, description: '{ deleted: name }' },
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/api/workflows/examples',
    tag: 'workflows',
    summary: 'Example workflows shipped with momaflow.',
    ok: { status: 200, description: '[{ name, title, description }]' },
    errors: [],
  },
  {
    method: 'get',
    path: '/api/workflows/examples/:name',
    tag: 'workflows',
    summary: 'One example workflow.',
    params: zExampleParams,
    ok: { status: 200, description: 'The workflow document.' },
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'system',
    summary: 'This document.',
    ok: { status: 200, description: 'OpenAPI 3.1 document.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/ws',
    tag: 'events',
    summary:
      'WebSocket event stream (also at /api/ws): JSON { type, data } frames (ComfyUI names) and binary image frames (u32 BE event 1, u32 BE format 1 JPEG/2 PNG/3 WEBP, bytes): sampler previews, and the full-size PNGs SaveImageWebsocket sends. Send {"type":"subscribe","data":{"all":true}} to receive every prompt.',
    query: zWsQuery,
    ok: { status: 101, description: 'Switching to WebSocket.' },
    errors: ['upgrade_required', 'invalid_request'],
  },
];
