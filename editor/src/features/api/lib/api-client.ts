/**
 * @module
 * The REST client: one function per endpoint the editor uses, responses parsed with zod. Expected
 * failures (a prompt that does not validate, a name that exists) come back as values.
 */

import type { Workflow } from '@momaflow/engine/protocol';
import type { z } from 'zod';
import type { FileRef } from '../../execution/lib/wire-schema';
import { type ObjectInfo, zObjectInfo } from '../../schema/lib/object-info-schema';
import {
  type Example,
  type HistoryEntry,
  type LibraryEntry,
  type PackSummary,
  type QueueResponse,
  type Uploaded,
  type ValidationIssue,
  zApiErrorBody,
  zExample,
  zHistory,
  zIssuesDetails,
  zLibraryEntry,
  zQueue,
  zQueuedPrompt,
  zSystemStats,
  zUploaded,
} from './api-schemas';
import type { ServerAddress } from './server-address';

export type QueueResult =
  | { readonly ok: true; readonly promptId: string; readonly number: number }
  | { readonly ok: false; readonly message: string; readonly issues: readonly ValidationIssue[] };

/** An HTTP failure that is not an expected outcome (server down, 5xx, a body we cannot read). */
export class ApiRequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
  }
}

async function errorMessage(res: Response): Promise<string> {
  const body = zApiErrorBody.safeParse(await res.json().catch(() => null));
  return body.success ? body.data.error.message : `HTTP ${res.status}`;
}

export interface ApiClient {
  objectInfo(): Promise<ObjectInfo>;
  queuePrompt(args: {
    workflow: Workflow;
    clientId: string;
    promptId?: string;
    front?: boolean;
  }): Promise<QueueResult>;
  requeuePrompt(args: {
    prompt: Record<string, unknown>;
    clientId: string;
    extra: Record<string, unknown>;
  }): Promise<QueueResult>;
  queue(): Promise<QueueResponse>;
  history(maxItems: number): Promise<Record<string, HistoryEntry>>;
  historyEntry(promptId: string): Promise<HistoryEntry | undefined>;
  interrupt(promptId?: string): Promise<void>;
  examples(): Promise<Example[]>;
  example(name: string): Promise<unknown>;
  library(): Promise<LibraryEntry[]>;
  libraryWorkflow(name: string): Promise<unknown>;
  saveToLibrary(name: string, workflow: Workflow): Promise<void>;
  uploadImage(file: Blob, filename: string): Promise<Uploaded>;
  /** What loading did with each custom node pack (from `/system_stats`). */
  nodePacks(): Promise<PackSummary[]>;
  /** URL of a file (`preview` asks the server for a resized webp). */
  viewUrl(ref: FileRef, preview?: { side: number }): string;
}

/**
 * @example
 * const api = createApiClient(serverAddress(window.location));
 * const templates = buildTemplates(await api.objectInfo());
 */
export function createApiClient(
  address: ServerAddress,
  fetcher: typeof fetch = globalThis.fetch.bind(globalThis),
): ApiClient {
  const url = (path: string) => `${address.apiBase}${path}`;
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...extra,
    ...(address.token ? { Authorization: `Bearer ${address.token}` } : {}),
  });
  async function request<S extends z.ZodType>(
    path: string,
    schema: S,
    init: RequestInit = {},
  ): Promise<z.output<S>> {
    const res = await fetcher(url(path), {
      ...init,
      headers: headers(init.headers as Record<string, string>),
    });
    if (!res.ok) throw new ApiRequestError(res.status, await errorMessage(res));
    return schema.parse(await res.json());
  }
  async function send(path: string, body: unknown, method = 'POST'): Promise<Response> {
    return fetcher(url(path), {
      method,
      headers: headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(body),
    });
  }
  async function queued(res: Response): Promise<QueueResult> {
    if (res.ok) {
      const body = zQueuedPrompt.parse(await res.json());
      return { ok: true, promptId: body.prompt_id, number: body.number };
    }
    const body = zApiErrorBody.safeParse(await res.json().catch(() => null));
    if (res.status !== 400 || !body.success)
      throw new ApiRequestError(res.status, body.data?.error.message ?? `HTTP ${res.status}`);
    const details = zIssuesDetails.safeParse(body.data.error.details);
    return {
      ok: false,
      message: body.data.error.message,
      issues: details.success ? details.data.issues : [],
    };
  }
  const json = async (path: string): Promise<unknown> => {
    const res = await fetcher(url(path), { headers: headers() });
    if (!res.ok) throw new ApiRequestError(res.status, await errorMessage(res));
    return res.json();
  };
  return {
    objectInfo: () => request('/object_info', zObjectInfo),
    queuePrompt: async ({ workflow, clientId, promptId, front }) =>
      queued(
        await send('/prompt', {
          prompt: workflow,
          client_id: clientId,
          ...(promptId ? { prompt_id: promptId } : {}),
          ...(front ? { front } : {}),
          extra_data: { extra_pnginfo: { workflow } },
        }),
      ),
    requeuePrompt: async ({ prompt, clientId, extra }) =>
      queued(await send('/prompt', { prompt, client_id: clientId, extra_data: extra })),
    queue: () => request('/queue', zQueue),
    history: (maxItems) => request(`/history?max_items=${maxItems}`, zHistory),
    historyEntry: async (promptId) => {
      // `{}` when the prompt has no finished entry (yet).
      const res = await fetcher(url(`/history/${encodeURIComponent(promptId)}`), { headers: headers() });
      if (!res.ok) throw new ApiRequestError(res.status, await errorMessage(res));
      return zHistory.parse(await res.json())[promptId];
    },
    interrupt: async (promptId) => {
      const res = await send('/interrupt', promptId ? { prompt_id: promptId } : {});
      if (!res.ok && res.status !== 409) throw new ApiRequestError(res.status, await errorMessage(res));
    },
    examples: () => request('/workflows/examples', zExample.array()),
    nodePacks: async () => (await request('/system_stats', zSystemStats)).node_packs,
    example: (name) => json(`/workflows/examples/${encodeURIComponent(name)}`),
    library: () => request('/userdata/workflows', zLibraryEntry.array()),
    libraryWorkflow: (name) => json(`/userdata/workflows/${encodeURIComponent(name)}`),
    saveToLibrary: async (name, workflow) => {
      const res = await send(`/userdata/workflows/${encodeURIComponent(name)}`, workflow, 'PUT');
      if (!res.ok) throw new ApiRequestError(res.status, await errorMessage(res));
    },
    uploadImage: async (file, filename) => {
      const form = new FormData();
      form.append('image', file, filename);
      return request('/upload/image', zUploaded, { method: 'POST', body: form });
    },
    viewUrl: (ref, preview) => {
      const params = new URLSearchParams({
        filename: ref.filename,
        subfolder: ref.subfolder,
        type: ref.type,
      });
      if (preview) params.set('preview', `webp;85;${preview.side}`);
      if (address.token) params.set('token', address.token);
      return url(`/view?${params.toString()}`);
    },
  };
}
