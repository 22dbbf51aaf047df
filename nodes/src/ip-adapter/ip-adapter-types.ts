/**
 * @module
 * The IP_ADAPTER socket: an IP-Adapter file read from its header and the CLIP vision tower whose
 * features it projects, with one content key for both (the image-token graph is cached by it).
 */
import type { ClipVisionCheckpoint } from '../models/clip-vision';
import type { IpAdapterFile } from '../models/ip-adapter';

/** An IP-Adapter and its vision tower. */
export interface IpAdapterHandle {
  readonly kind: 'ip-adapter';
  /** Identities (path, size, mtime) of the adapter file and of the tower. */
  readonly key: string;
  readonly file: IpAdapterFile;
  readonly tower: ClipVisionCheckpoint;
}

declare module '@momaflow/engine' {
  interface SocketTypes {
    IP_ADAPTER: IpAdapterHandle;
  }
}
