/**
 * @module
 * Runs npm for the packs folder. Lifecycle scripts never run (`--ignore-scripts`: installing a pack
 * must not run its code), folders are installed as copies (`--install-links`) and every package keeps
 * its own dependencies (`--install-strategy=nested`), so a sandboxed pack can be given its folder and
 * nothing else.
 */
import { execFile } from 'node:child_process';
import { EngineError } from '@momaflow/engine';

const NPM_FLAGS = [
  '--ignore-scripts',
  '--install-links',
  '--install-strategy=nested',
  '--no-audit',
  '--no-fund',
  '--loglevel=error',
];

export type RunNpm = (args: readonly string[], cwd: string) => Promise<string>;

/**
 * @example
 * await runNpm(['install', '../my-pack'], path.join(data, 'custom_nodes'));
 */
export const runNpm: RunNpm = (args, cwd) =>
  new Promise((resolve, reject) => {
    execFile(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      [...args, ...NPM_FLAGS],
      { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const output = `${stderr}${stdout}`.trim().split('\n').slice(-12).join('\n');
        reject(new EngineError('npm_failed', `npm ${args.join(' ')} failed:\n${output || err.message}`));
      },
    );
  });
