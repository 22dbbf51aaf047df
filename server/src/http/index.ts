/** @module The HTTP API: the Hono app factory, its error type, the OpenAPI document and the editor's files. */
export type { ApiErrorBody, ApiErrorStatus, ApiErrorType } from './api-error';
export { API_ERROR_STATUS, ApiError } from './api-error';
export type { AppDeps, AppEnv, Limits, SecurityOptions } from './app-env';
export { createApp } from './create-app';
export { buildOpenApiDocument } from './openapi/openapi-document';
export { OPERATIONS } from './openapi/operations';
export { EDITOR_BUILD_COMMAND } from './routes/editor-routes';
export { allowedHosts, isLoopbackHost, ownOrigins } from './security/origin-policy';
