/** @module Small fetch helpers for the e2e tests (loopback only). */

export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** Sends a request and reads the body as JSON when it is JSON (as text otherwise). */
export async function request(baseUrl: string, path: string, init: RequestInit = {}): Promise<JsonResponse> {
  const res = await fetch(new URL(path, baseUrl), init);
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body };
}

export function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return request(baseUrl, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** The `error.type` of an error body, or undefined. */
export function errorType(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error: unknown = Reflect.get(body, 'error');
  if (typeof error !== 'object' || error === null) return undefined;
  const type: unknown = Reflect.get(error, 'type');
  return typeof type === 'string' ? type : undefined;
}

/** The `prompt_id` of a successful `POST /api/prompt`, or a thrown error with the body. */
export async function queuePrompt(
  baseUrl: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await postJson(baseUrl, '/api/prompt', body, headers);
  const id =
    typeof res.body === 'object' && res.body !== null ? Reflect.get(res.body, 'prompt_id') : undefined;
  if (res.status !== 200 || typeof id !== 'string') {
    throw new Error(`queueing failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return id;
}
