/**
 * @module
 * The engine version node packs declare compatibility with (`momaflow.engine` in their package.json).
 */
import semver from 'semver';
import packageJson from '../../package.json' with { type: 'json' };

/** This engine's version, from its package.json. */
export const ENGINE_VERSION: string = packageJson.version;

/**
 * Why `range` excludes this engine, or undefined when it is supported.
 * @example
 * engineRangeProblem('^0.1.0'); // undefined on engine 0.1.x
 * engineRangeProblem('>=2');    // "needs engine >=2, this is 0.1.0"
 */
export function engineRangeProblem(range: string, version: string = ENGINE_VERSION): string | undefined {
  if (semver.satisfies(version, range, { includePrerelease: true })) return undefined;
  return `needs engine ${range}, this is ${version}`;
}
