/**
 * @module
 * Builds torch.save-style zip archives in memory for tests, with the knobs reader tests need (no
 * byteorder entry, another archive name, a DEFLATE pickle, ZIP64 records, odd padding); the pickle
 * and ZIP parts are the production writer's.
 */
import type { ZipBuildOptions } from './zip-builder';
import { buildZip } from './zip-builder';

/** Contents and layout of a torch archive to build. */
export interface TorchFileSpec {
  readonly pickle: Uint8Array;
  readonly storages?: Readonly<Record<string, Uint8Array>>;
  readonly archive?: string;
  readonly byteorder?: 'little' | 'big' | null;
  readonly zip?: ZipBuildOptions;
  readonly deflatePickle?: boolean;
}

/**
 * Serialises a torch.save-style zip archive.
 * @example
 * const bytes = buildTorchFile({ pickle, storages: { '0': new Uint8Array(f32.buffer) } });
 */
export function buildTorchFile(spec: TorchFileSpec): Uint8Array {
  const a = spec.archive ?? 'archive';
  const enc = new TextEncoder();
  const files = [
    { name: `${a}/data.pkl`, data: spec.pickle, deflate: spec.deflatePickle ?? false },
    ...(spec.byteorder === null
      ? []
      : [{ name: `${a}/byteorder`, data: enc.encode(spec.byteorder ?? 'little') }]),
    ...Object.entries(spec.storages ?? {}).map(([k, data]) => ({
      name: `${a}/data/${k}`,
      data,
      localPadding: 60,
    })),
    { name: `${a}/version`, data: enc.encode('3\n') },
  ];
  return buildZip(files, spec.zip);
}
