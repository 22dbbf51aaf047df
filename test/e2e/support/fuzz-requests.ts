/**
 * @module
 * The HTTP fuzz corpus: a fixed-seed stream of hostile requests built with fast-check. Documents
 * (saved workflows, ComfyUI API prompts, ComfyUI UI workflows) are mutated at random paths with
 * hostile values and keys; bodies are truncated or mislabelled; every route is called with every
 * method and junk path parameters and queries; uploads carry junk files and names.
 */
import fc from 'fast-check';
import { hostileString, hostileValue, mutated } from './fuzz-documents';
import { multipart, type RawRequest, UPGRADE_HEADERS } from './raw-http';

export interface FuzzRequest extends RawRequest {
  /** What produced it, for the histogram and for failure messages. */
  readonly kind: string;
  /** Send it without the auth token. */
  readonly anonymous?: boolean;
}

export interface FuzzCorpus {
  /** Documents to mutate into prompts and saved workflows. */
  readonly documents: readonly unknown[];
  /** Routes as the server documents them (`/api/history/{prompt_id}`). */
  readonly routes: readonly string[];
  /** A small valid PNG for uploads. */
  readonly png: Uint8Array;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const MEDIA_TYPES = [
  'application/json',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'image/png',
  '',
];

/** A body as sent: JSON, truncated JSON, or bytes that are not JSON at all. */
const encoded = (value: fc.Arbitrary<unknown>) =>
  fc
    .tuple(value, fc.constantFrom('json', 'json', 'json', 'truncated', 'junk', 'empty'), fc.nat())
    .map(([body, how, cut]): string | Uint8Array => {
      const text = JSON.stringify(body) ?? 'null';
      if (how === 'truncated') return text.slice(0, cut % Math.max(1, text.length));
      if (how === 'junk')
        return new Uint8Array(Array.from({ length: 64 }, (_, i) => (cut * 31 + i * 7) % 256));
      return how === 'empty' ? '' : text;
    });

const mediaType = fc.oneof(
  { weight: 3, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom(...MEDIA_TYPES) },
);

function postJson(kind: string, paths: readonly string[], body: fc.Arbitrary<unknown>) {
  return fc.tuple(fc.constantFrom(...paths), encoded(body), mediaType).map(
    ([path, bytes, type]): FuzzRequest => ({
      kind,
      method: 'POST',
      path,
      headers: type ? { 'content-type': type } : {},
      body: bytes,
    }),
  );
}

const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'filename',
          'subfolder',
          'type',
          'preview',
          'channel',
          'max_items',
          'offset',
          'clientId',
          'subscribe',
          'token',
        ),
        hostileString,
      ),
      hostileString,
    ),
    { maxLength: 5 },
  )
  .map((pairs) => new URLSearchParams(pairs).toString());

/** encodeURIComponent, also for strings with lone surrogates (which it refuses: they become U+FFFD). */
const encodeSegment = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));

/** Fills `{param}`s with hostile segments. */
const routePath = (routes: readonly string[]) =>
  fc
    .tuple(fc.constantFrom(...routes), hostileString, query)
    .map(
      ([route, segment, q]) => `${route.replace(/\{[^}]+\}/g, encodeSegment(segment))}${q ? `?${q}` : ''}`,
    );

function uploads(png: Uint8Array) {
  const file = fc.oneof(
    fc.constant(png),
    fc.constant(png.slice(0, png.length >> 1)),
    fc.uint8Array({ maxLength: 256 }),
    fc.constant(new Uint8Array(0)),
  );
  return fc
    .record({
      route: fc.constantFrom('/api/upload/image', '/api/upload/mask', '/upload/image'),
      bytes: file,
      filename: fc.oneof(fc.constant('a.png'), hostileString),
      subfolder: fc.option(hostileString),
      type: fc.option(fc.oneof(fc.constantFrom('input', 'output', 'temp', 'models'), hostileString)),
      overwrite: fc.option(hostileString),
      ref: fc.option(
        fc.oneof(
          hostileString,
          hostileValue.map((v) => JSON.stringify({ filename: v })),
        ),
      ),
    })
    .map((u): FuzzRequest => {
      const fields: Parameters<typeof multipart>[0] = {
        // Quotes and line breaks would end the part header early: the multipart body must stay well formed.
        image: { filename: u.filename.replace(/["\r\n]/g, ''), bytes: u.bytes, type: 'image/png' },
        ...(u.subfolder !== null ? { subfolder: u.subfolder } : {}),
        ...(u.type !== null ? { type: u.type } : {}),
        ...(u.overwrite !== null ? { overwrite: u.overwrite } : {}),
        ...(u.ref !== null ? { original_ref: u.ref } : {}),
      };
      const { body, contentType } = multipart(fields);
      return {
        kind: 'upload',
        method: 'POST',
        path: u.route,
        headers: { 'content-type': contentType },
        body,
      };
    });
}

/**
 * `count` requests from `seed`, mixing every kind.
 * @example
 * const requests = fuzzRequests({ documents, routes, png }, { seed: 17, count: 2400 });
 */
export function fuzzRequests(corpus: FuzzCorpus, options: { seed: number; count: number }): FuzzRequest[] {
  const { documents, routes, png } = corpus;
  // The other fields are hostile in a third of the bodies only: a bad one stops the request before
  // the prompt is looked at.
  const extras = fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          client_id: hostileValue,
          prompt_id: hostileValue,
          front: hostileValue,
          extra_data: hostileValue,
          partial_execution_targets: hostileValue,
        },
        { requiredKeys: [] },
      ),
    },
  );
  const promptBody = fc
    .tuple(mutated(documents), extras)
    .map(([prompt, rest]): unknown => ({ prompt, ...rest }));
  const arbitrary = fc.oneof(
    { weight: 6, arbitrary: postJson('prompt', ['/api/prompt', '/prompt'], promptBody) },
    { weight: 2, arbitrary: postJson('prompt-bare', ['/api/prompt'], mutated(documents)) },
    {
      weight: 2,
      arbitrary: fc.tuple(hostileString, encoded(mutated(documents)), mediaType).map(
        ([name, body, type]): FuzzRequest => ({
          kind: 'userdata',
          method: 'PUT',
          path: `/api/userdata/workflows/${encodeSegment(name)}`,
          headers: { 'content-type': type },
          body,
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: postJson(
        'queue-edit',
        ['/api/queue', '/api/history', '/api/interrupt'],
        fc.record(
          { clear: hostileValue, delete: hostileValue, prompt_id: hostileValue },
          { requiredKeys: [] },
        ),
      ),
    },
    { weight: 3, arbitrary: uploads(png) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...METHODS), routePath(routes), fc.option(encoded(hostileValue)), mediaType)
        .map(
          ([method, path, body, type]): FuzzRequest => ({
            kind: 'route',
            method,
            path,
            headers: { 'content-type': type },
            ...(body !== null && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(query, fc.constantFrom('/ws', '/api/ws')).map(
        ([q, path]): FuzzRequest => ({
          kind: 'websocket',
          path: `${path}?${q}`,
          headers: { ...UPGRADE_HEADERS },
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('host', 'origin', 'authorization', 'sec-fetch-site'),
          hostileString,
          fc.boolean(),
          routePath(routes),
        )
        .map(
          ([header, value, anonymous, path]): FuzzRequest => ({
            kind: 'gate',
            path,
            headers: { [header]: value.replace(/[^\x20-\x7e]/g, '') },
            anonymous,
          }),
        ),
    },
  );
  return fc.sample(arbitrary, { seed: options.seed, numRuns: options.count });
}
