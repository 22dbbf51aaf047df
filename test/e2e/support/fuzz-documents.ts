/**
 * @module
 * The hostile material of the HTTP fuzz: strings and values an attacker tries (prototype-named keys,
 * traversal, control characters, huge and deep values) and mutations of real documents (values
 * replaced, keys deleted or renamed, node ids renamed with the links to them), all set as own
 * properties so `__proto__` arrives as a key, the way JSON sends it.
 */
import fc from 'fast-check';

/** Keys naming Object.prototype members: valid JSON keys, so valid node ids and input names. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
];
/** Path segments and strings an attacker tries. */
export const hostileString = fc.oneof(
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
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
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

export const mutated = (documents: readonly unknown[]) =>
  fc
    .tuple(fc.constantFrom(...documents), fc.array(mutationArb, { minLength: 0, maxLength: 4 }))
    .map(([document, mutations]) => mutate(document, mutations));
