/**
 * @module
 * The command line of a pack's sandbox process: Node 20's permission model with file-system reads
 * limited to the child's own script, the pack's folder, the pack-api shim and the data folders the pack
 * asked for, writes limited to the folders it asked to write, and no child processes, worker threads or
 * native addons (none of `--allow-child-process`, `--allow-worker` or `--allow-addons` is given).
 */

export interface SandboxArgsOptions {
  /** The bundled child script. */
  readonly script: string;
  /** The pack's folder (real path: the permission model follows symlinks). */
  readonly packFolder: string;
  /** Extra folders the child may read (the pack-api shim next to the pack). */
  readonly readFolders: readonly string[];
  readonly writeFolders: readonly string[];
  /** V8 heap limit of the child. */
  readonly maxOldSpaceMb: number;
  /** Passed to the child after the script. */
  readonly childArgs: readonly string[];
}

/** A folder grant: Node 20 grants a directory's contents when the path ends with a separator. */
const folderGrant = (folder: string) => (folder.endsWith('/') ? folder : `${folder}/`);

/**
 * @example
 * spawn(process.execPath, sandboxArgs({ script, packFolder, readFolders: [], writeFolders: [], maxOldSpaceMb: 4096, childArgs }));
 */
export function sandboxArgs(options: SandboxArgsOptions): string[] {
  const reads = [options.packFolder, ...options.readFolders, ...options.writeFolders].map(folderGrant);
  return [
    '--experimental-permission',
    `--allow-fs-read=${options.script}`,
    ...reads.map((folder) => `--allow-fs-read=${folder}`),
    ...options.writeFolders.map((folder) => `--allow-fs-write=${folderGrant(folder)}`),
    '--disable-warning=ExperimentalWarning',
    `--max-old-space-size=${options.maxOldSpaceMb}`,
    options.script,
    ...options.childArgs,
  ];
}
