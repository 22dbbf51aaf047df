/**
 * @module
 * The HTTP fuzz corpus: a fixed-seed stream of hostile requests built with fast-check. Documents
 * (saved workflows, ComfyUI API prompts, ComfyUI UI workflows) are mutated at random paths with
 * hostile values and keys; bodies are truncated or mislabelled; every route is called with every
 * method and junk path parameters and queries; uploads carry junk files and names.
 */
import fc from 'fast-check';
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

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
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

/** Path segments and strings an attacker tries. */
const hostileString = fc.oneof(
  fc.constantFrom(
    ...PROTOTYPE_KEYS,
    '',
    '..',
    '../../etc/passwd',
    '..\\..\\windows',
    '/etc/passwd',
    'a/../../b',
    '%2e%2e%2f',
    'x\u0000y',
    '☃',
    '\ud800',
    '<script>alert(1)</script>',
    'NaN',
    'a'.repeat(5000),
    'C:\\x',
    '.git',
    '~',
  ),
  fc.string({ maxLength: 40 }),
);

const deep = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

/** Values that replace parts of a document. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(
    null,
    true,
    -1,
    0,
    0.5,
    1e308,
    -1e308,
    2 ** 64,
    Number.MAX_SAFE_INTEGER + 2,
    [],
    {},
    ['1', 0],
    ['__proto__', 0],
    ['constructor', 99],
    JSON.parse('{"__proto__": {"polluted": true}}'),
    JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
    deep(40, 1),
    deep(200, 'x'),
    'x'.repeat(300_000),
    Array.from({ length: 20_000 }, (_, i) => i),
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

type Path = readonly (string | number)[];

/** Every path into `value` (objects and arrays), root first. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (typeof value === 'object' && value !== null && out.length < 2000) {
    for (const [key, child] of Object.entries(value)) {
      pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key], out);
    }
  }
  return out;
}

/** `relink` renames a key and every link `[key, n]` to it, so a renamed node stays wired in. */
const MUTATIONS = ['replace', 'delete', 'rename', 'relink', 'add'] as const;
interface Mutation {
  /** Picks the path (modulo the number of paths no deeper than `depth`). */
  readonly at: number;
  /** Shallow paths (node ids, a workflow's `nodes`) are hit as often as the many deep ones. */
  readonly depth: number;
  readonly op: (typeof MUTATIONS)[number];
  /** The key `rename` and `add` use. */
  readonly key: string;
  readonly value: unknown;
}
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  depth: fc.constantFrom(1, 2, 3, Number.POSITIVE_INFINITY),
  op: fc.constantFrom(...MUTATIONS),
  key: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  ),
  value: hostileValue,
});

/** Replaces every link-shaped `[from, n]` under `value` by `[to, n]`. */
function relink(value: unknown, from: string, to: string): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child) && child.length === 2 && child[0] === from && typeof child[1] === 'number')
      (value as Record<string, unknown>)[key] = [to, child[1]];
    else relink(child, from, to);
  }
}

/** Applies mutations to a copy of `document`; keys are set as own properties, `__proto__` included. */
function mutate(document: unknown, mutations: readonly Mutation[]): unknown {
  const root = { value: structuredClone(document) as unknown };
  for (const m of mutations) {
    const paths = pathsOf(root.value).filter((p) => p.length <= m.depth);
    const path = ['value', ...paths[m.at % paths.length]!];
    const key = path.pop()!;
    let parent: unknown = root;
    for (const step of path) parent = (parent as Record<string, unknown>)[step];
    if (typeof parent !== 'object' || parent === null) continue;
    const target = parent as Record<string | number, unknown>;
    const own = (where: Record<string | number, unknown>, k: string | number, v: unknown) =>
      Object.defineProperty(where, k, { value: v, enumerable: true, writable: true, configurable: true });
    const current = target[key];
    // A copy: the hostile values are shared constants, and later mutations edit what they land in.
    const value = structuredClone(m.value);
    if (m.op === 'replace') own(target, key, value);
    else if (m.op === 'delete') delete target[key];
    else if ((m.op === 'rename' || m.op === 'relink') && !Array.isArray(target)) {
      delete target[key];
      own(target, m.key, current);
      if (m.op === 'relink') relink(root.value, String(key), m.key);
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current))
      own(current as Record<string, unknown>, m.key, value);
  }
  return root.value;
}

const mutated = (documents: readonly unknown[]) =>
  fc
    .tuple(fc.constantFrom(...documents), fc.array(mutationArb, { minLength: 0, maxLength: 4 }))
    .map(([document, mutations]) => mutate(document, mutations));

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
