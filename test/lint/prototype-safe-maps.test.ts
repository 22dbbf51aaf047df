/**
 * The style rule for maps keyed by outside data (issue 17), checked over every source file of engine,
 * nodes, server and editor (tests excluded):
 * - `z.record(...)` is not used: zod drops a `__proto__` key without a word. Use `zDict` (engine),
 *   which keeps every key and returns a prototype-less map.
 * - A string-keyed map is not started as `{}`: on an ordinary object the key `__proto__` replaces the
 *   prototype instead of storing a value. Use `dict()` / `dictFrom()` (engine) or a `Map`.
 * - `Object.assign` is not used (it assigns `__proto__` as the prototype too); use spread or
 *   `dictFrom`.
 * - `Reflect.get(object, key)` with a computed key is not used: it finds Object.prototype's members
 *   (`constructor`, `toString`) where the object has no such key. Use `ownValue`.
 * A line may opt out with `prototype-safe: <reason>` in a comment on it or the line above.
 *
 * What a scan cannot check: plain reads `map[key]`. Whether `key` came from outside is not written in
 * the source, and TypeScript gives `dict()` maps and ordinary objects the same type. The rules above
 * make reads safe instead: every map built from outside data is prototype-less (built by `dict()`
 * or parsed by `zDict`), so a read of a missing key gives undefined whatever the key; objects read
 * straight from `JSON.parse` are read with `ownValue`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE_FOLDERS = ['engine/src', 'nodes/src', 'server/src', 'editor/src'];
const OPT_OUT = /prototype-safe: \S/;

const RULES = [
  { name: 'z.record (use zDict)', pattern: /(\bz|^\s*)\.record\(/ },
  {
    name: 'string-keyed map started as {} (use dict() or a Map)',
    pattern:
      /(\b(const|let|var) +\w+|\breadonly +#?\w+|#\w+) *: *(Readonly<)?(Record<string,[^=;]*>|\{ *\[\w+: *string\]: *[^}]*\}) *= *\{\}|= *\{\} *as *(Readonly<)?Record<string/,
  },
  { name: 'Object.assign (use spread or dictFrom)', pattern: /\bObject\.assign\(/ },
  {
    name: 'Reflect.get with a computed key (use ownValue)',
    pattern: /\bReflect\.get\([^,]+, *[A-Za-z_$][\w.$]*\)/,
  },
] as const;

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test(-d)?\.tsx?$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** `file:line: rule` for every line that breaks a rule and does not opt out. */
export function findViolations(file: string, text: string): string[] {
  const lines = text.split('\n');
  return lines.flatMap((line, i) =>
    RULES.filter(
      (rule) => rule.pattern.test(line) && !OPT_OUT.test(line) && !OPT_OUT.test(lines[i - 1] ?? ''),
    ).map((rule) => `${file}:${i + 1}: ${rule.name}`),
  );
}

describe('prototype-safe maps', () => {
  it.each([
    ['const byNode: Record<string, string[]> = {};', 1],
    ['const sizes = {} as Record<string, number>;', 1],
    ['const seen: { [id: string]: boolean } = {};', 1],
    ['inputs: z.record(z.string(), z.unknown()),', 1],
    ['  .record(z.string(), z.unknown())', 1],
    ['  readonly #timings: Record<string, number> = {};', 1],
    ['function log(data: Record<string, unknown> = {}) {}', 0],
    ['Object.assign(target, body);', 1],
    ['const entry = Reflect.get(all, nodeId);', 1],
    ["const format = Reflect.get(data, 'format');", 0],
    ['const byNode = dict<string[]>();', 0],
    ['const window = {} as Record<string, number>; // prototype-safe: keys are the constants below', 0],
  ])('flags %s', (line, count) => {
    expect(findViolations('x.ts', line)).toHaveLength(count);
  });

  it('holds in every source file of engine, nodes, server and editor', () => {
    const files = SOURCE_FOLDERS.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    const violations = files.flatMap((file) =>
      findViolations(file, readFileSync(path.join(ROOT, file), 'utf8')),
    );
    expect(violations).toEqual([]);
  });
});
