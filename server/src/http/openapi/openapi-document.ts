/**
 * @module
 * Builds the OpenAPI 3.1 document from the operation table; request schemas are the routes' own zod
 * schemas converted to JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12 as it is).
 */
import { dict } from '@momaflow/engine';
import { z } from 'zod';
import { API_ERROR_STATUS, type ApiErrorType } from '../api-error';
import { OPERATIONS, type Operation } from './operations';

/** Errors any endpoint can return (the request gate and the body limit). */
const COMMON_ERRORS: readonly ApiErrorType[] = [
  'invalid_request',
  'unauthorized',
  'forbidden_origin',
  'forbidden_host',
  'payload_too_large',
];

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

/** `/history/:prompt_id` -> `/history/{prompt_id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function parameters(op: Operation) {
  const list: Record<string, unknown>[] = [];
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema);
    const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((object.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof property.description === 'string' ? { description: property.description } : {}),
        schema: property,
      });
    }
  }
  return list;
}

function requestBody(op: Operation) {
  if (op.json) {
    return {
      required: op.path !== '/api/interrupt',
      content: { 'application/json': { schema: jsonSchema(op.json) } },
    };
  }
  if (op.multipart) {
    const properties = Object.fromEntries(
      Object.entries(op.multipart).map(([name, description]) => [
        name,
        name === 'image'
          ? { type: 'string', format: 'binary', description }
          : { type: 'string', description },
      ]),
    );
    return {
      required: true,
      content: { 'multipart/form-data': { schema: { type: 'object', properties, required: ['image'] } } },
    };
  }
  return undefined;
}

function responses(op: Operation) {
  const result: Record<string, unknown> = {
    [op.ok.status]: {
      description: op.ok.description,
      ...(op.ok.status === 101
        ? {}
        : { content: { [op.ok.mediaType ?? 'application/json']: { schema: {} } } }),
    },
  };
  for (const type of [...COMMON_ERRORS, ...op.errors]) {
    const status = String(API_ERROR_STATUS[type]);
    const existing = result[status] as { description: string } | undefined;
    result[status] = {
      description: existing ? `${existing.description}, ${type}` : type,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return result;
}

/**
 * @example
 * app.get('/api/openapi.json', (c) => c.json(buildOpenApiDocument({ version })));
 */
export function buildOpenApiDocument(options: { version: string }) {
  const paths = dict<Record<string, unknown>>();
  for (const op of OPERATIONS) {
    const body = requestBody(op);
    const key = openApiPath(op.path);
    const item = paths[key] ?? dict();
    paths[key] = item;
    item[op.method] = {
      tags: [op.tag],
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
      parameters: parameters(op),
      ...(body ? { requestBody: body } : {}),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'momaflow',
      version: options.version,
      description:
        'Node-based workflow engine API, shaped after ComfyUI. Errors are { error: { type, message, details } }. ' +
        'As in ComfyUI, every path is also served without its /api prefix, and /ws also at /api/ws; JSON bodies ' +
        'are read as JSON whatever their declared Content-Type. ' +
        'With an auth token configured, send Authorization: Bearer <token> (or ?token= where headers cannot be set).',
    },
    servers: [{ url: '/' }],
    security: [{}, { bearerAuth: [] }, { queryToken: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['type', 'message', 'details'],
              properties: {
                type: { type: 'string', enum: Object.keys(API_ERROR_STATUS) },
                message: { type: 'string' },
                details: {},
              },
            },
          },
        },
      },
    },
  };
}
