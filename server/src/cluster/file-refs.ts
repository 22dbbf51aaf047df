/**
 * @module
 * The files an output node reported (`{ filename, subfolder, type }` entries in any UI list, as
 * SaveImage's `images`), and rewriting them once the server has stored them under its own names.
 */
import type { FileRef, UiOutput } from '@momaflow/engine';

const FILE_TYPES = new Set<unknown>(['output', 'temp', 'input']);

export function isFileRef(value: unknown): value is FileRef {
  if (typeof value !== 'object' || value === null) return false;
  const { filename, subfolder, type } = value as Record<string, unknown>;
  return typeof filename === 'string' && typeof subfolder === 'string' && FILE_TYPES.has(type);
}

/** The output and temp files in a UI output (input files are the server's already). */
export function producedFiles(output: UiOutput): FileRef[] {
  return Object.values(output).flatMap((list) =>
    (list ?? []).filter((item): item is FileRef => isFileRef(item) && item.type !== 'input'),
  );
}

/** `output` with every produced file replaced by `rename(ref)`. */
export function renameFiles(output: UiOutput, rename: (ref: FileRef) => FileRef): UiOutput {
  return Object.fromEntries(
    Object.entries(output).map(([key, list]) => [
      key,
      list?.map((item) => (isFileRef(item) && item.type !== 'input' ? rename(item) : item)),
    ]),
  );
}

/** A map key for a file reference. */
export const fileKey = (ref: FileRef) => `${ref.type}/${ref.subfolder}/${ref.filename}`;
