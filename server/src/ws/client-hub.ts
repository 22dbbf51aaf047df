/**
 * @module
 * The registry of WebSocket clients by client id, and the routing of frames: a prompt's frames go to
 * the client that submitted it (to everyone when it named none, as in ComfyUI) and to clients that
 * subscribed to all prompts. Slow clients never slow execution: past `previewBufferBytes` queued on
 * a socket its preview frames are dropped (JSON frames and essential images, such as
 * SaveImageWebsocket's, never are); past `maxBufferBytes` the client is cut off, because a client
 * that stopped reading would otherwise grow the server's memory forever.
 */
import type { PreviewImage } from '@momaflow/engine';
import { encodePreviewFrame, type WireMessage } from '../protocol';

/** What the hub needs of a socket (a `ws` WebSocket satisfies it). */
export interface ClientSocket {
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

export interface HubLimits {
  readonly previewBufferBytes: number;
  readonly maxBufferBytes: number;
}

export interface HubClient {
  readonly clientId: string;
  readonly socket: ClientSocket;
  /** Receives every prompt's frames, not only its own. */
  subscribeAll: boolean;
}

export interface HubStats {
  readonly clients: number;
  readonly droppedPreviews: number;
  readonly disconnectedSlow: number;
}

export interface ClientHub {
  attach(socket: ClientSocket, options: { clientId: string; subscribeAll: boolean }): HubClient;
  detach(client: HubClient): void;
  /** A JSON frame of a prompt owned by `owner` (null: submitted without a client id). */
  sendPromptMessage(owner: string | null, message: WireMessage): void;
  /** A binary image frame of a prompt owned by `owner`; a plain preview is dropped for clients that are behind. */
  sendPromptPreview(owner: string | null, preview: PreviewImage): void;
  send(client: HubClient, message: WireMessage): void;
  broadcast(message: WireMessage): void;
  stats(): HubStats;
  /** Closes every connection (server shutdown). */
  closeAll(code: number, reason: string): void;
}

/**
 * @example
 * const hub = createClientHub({ previewBufferBytes: 1 << 20, maxBufferBytes: 64 << 20 });
 * const client = hub.attach(socket, { clientId, subscribeAll: false });
 */
export function createClientHub(limits: HubLimits): ClientHub {
  const byId = new Map<string, Set<HubClient>>();
  const all = new Set<HubClient>();
  let droppedPreviews = 0;
  let disconnectedSlow = 0;

  const detach = (client: HubClient) => {
    all.delete(client);
    const group = byId.get(client.clientId);
    group?.delete(client);
    if (group?.size === 0) byId.delete(client.clientId);
  };

  const deliver = (client: HubClient, data: string | Uint8Array) => {
    if (client.socket.bufferedAmount > limits.maxBufferBytes) {
      disconnectedSlow++;
      detach(client);
      client.socket.terminate();
      return;
    }
    client.socket.send(data);
  };

  const recipients = (owner: string | null): Iterable<HubClient> => {
    if (owner === null) return all;
    const own = byId.get(owner);
    const result = new Set<HubClient>(own);
    for (const client of all) if (client.subscribeAll) result.add(client);
    return result;
  };

  return {
    attach(socket, options) {
      const client: HubClient = { clientId: options.clientId, socket, subscribeAll: options.subscribeAll };
      all.add(client);
      const group = byId.get(options.clientId) ?? new Set<HubClient>();
      group.add(client);
      byId.set(options.clientId, group);
      return client;
    },
    detach,
    sendPromptMessage(owner, message) {
      const text = JSON.stringify(message);
      for (const client of [...recipients(owner)]) deliver(client, text);
    },
    sendPromptPreview(owner, preview) {
      const frame = encodePreviewFrame(preview);
      for (const client of [...recipients(owner)]) {
        if (!preview.essential && client.socket.bufferedAmount > limits.previewBufferBytes) droppedPreviews++;
        else deliver(client, frame);
      }
    },
    send: (client, message) => deliver(client, JSON.stringify(message)),
    broadcast(message) {
      const text = JSON.stringify(message);
      for (const client of [...all]) deliver(client, text);
    },
    stats: () => ({ clients: all.size, droppedPreviews, disconnectedSlow }),
    closeAll(code, reason) {
      for (const client of [...all]) {
        detach(client);
        client.socket.close(code, reason);
      }
    },
  };
}
