/**
 * @module
 * The API's one error type and its rendering. Every error response is `{ error: { type, message,
 * details } }`; `type` is what clients switch on, and its HTTP status comes from one table.
 */

/** Every error type the API returns, with its HTTP status. */
export const API_ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  invalid_request: 400,
  invalid_prompt: 400,
  invalid_workflow: 400,
  invalid_path: 400,
  invalid_multipart: 400,
  invalid_image: 400,
  unauthorized: 401,
  forbidden_origin: 403,
  forbidden_host: 403,
  forbidden_path: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  internal_error: 500,
} as const satisfies Record<string, 400 | 401 | 403 | 404 | 409 | 413 | 415 | 426 | 500>;

export type ApiErrorType = keyof typeof API_ERROR_STATUS;
export type ApiErrorStatus = (typeof API_ERROR_STATUS)[ApiErrorType];

/** The JSON body of every error response. */
export interface ApiErrorBody {
  readonly error: { readonly type: ApiErrorType; readonly message: string; readonly details: unknown };
  readonly [extra: string]: unknown;
}

/**
 * Thrown by handlers and middleware; the app's `onError` renders it.
 * @example
 * throw new ApiError('not_found', `no prompt '${id}'`);
 */
export class ApiError extends Error {
  readonly type: ApiErrorType;
  readonly details: unknown;
  /** Fields placed beside `error` in the body (ComfyUI's `node_errors`). */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    type: ApiErrorType,
    message: string,
    options: { details?: unknown; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.type = type;
    this.details = options.details ?? null;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  get status(): ApiErrorStatus {
    return API_ERROR_STATUS[this.type];
  }

  body(): ApiErrorBody {
    return { ...this.extra, error: { type: this.type, message: this.message, details: this.details } };
  }
}

/** The error type for an HTTP status raised outside our code (Hono's own exceptions). */
export function errorTypeForStatus(status: number): ApiErrorType {
  const match = (Object.keys(API_ERROR_STATUS) as ApiErrorType[]).find(
    (type) => API_ERROR_STATUS[type] === status,
  );
  if (match) return match;
  return status >= 400 && status < 500 ? 'bad_request' : 'internal_error';
}
