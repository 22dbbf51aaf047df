/**
 * @module
 * Bundles an entry point as a browser app would (esbuild, `platform: 'browser'`, every dependency
 * inlined) and reports what could not go into a browser bundle, so tests can prove that an entry
 * the editor imports stays free of Node built-ins and native packages.
 */
import { isBuiltin } from 'node:module';
import type { Message, Plugin } from 'esbuild';

/** What bundling an entry for the browser found. */
export interface BrowserBundleReport {
  /** Node built-ins the entry reaches at run time (`node:fs`, `path`, ...), in import order. */
  readonly nodeImports: readonly string[];
  /** esbuild's errors (unresolvable packages, native addons), rendered as text. */
  readonly errors: readonly string[];
  /** Every file that went into the bundle, relative to `cwd`. */
  readonly inputs: readonly string[];
}

/** Records imports of Node built-ins and keeps them out of the bundle, so one run lists them all. */
function nodeBuiltinsRecorder(found: string[]): Plugin {
  return {
    name: 'record-node-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        found.push(args.path);
        return { path: args.path, external: true };
      });
    },
  };
}

function render(messages: readonly Message[]): string[] {
  return messages.map((m) => (m.location ? `${m.location.file}: ${m.text}` : m.text));
}

/**
 * @example
 * const report = await bundleForBrowser({ entry: 'src/protocol/index.ts', cwd: packageRoot });
 * expect(report.nodeImports).toEqual([]);
 */
export async function bundleForBrowser(options: {
  readonly entry: string;
  readonly cwd: string;
}): Promise<BrowserBundleReport> {
  // Loaded on demand: other users of the testing helpers never pay for esbuild.
  const { build } = await import('esbuild');
  const nodeImports: string[] = [];
  try {
    const result = await build({
      entryPoints: [options.entry],
      absWorkingDir: options.cwd,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [nodeBuiltinsRecorder(nodeImports)],
    });
    return { nodeImports, errors: render(result.errors), inputs: Object.keys(result.metafile.inputs) };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    return { nodeImports, errors: errors ? render(errors) : [String(err)], inputs: [] };
  }
}
