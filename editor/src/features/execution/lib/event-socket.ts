/**
 * @module
 * The WebSocket to `/ws?clientId=`: parses JSON frames with zod, hands binary preview frames on, and
 * reconnects with backoff after a drop (1 s doubling to 10 s), telling the caller so it can resync.
 */
import { decodePreviewFrame } from './preview-frame';
import { type WireMessage, zWireMessage } from './wire-schema';

export interface EventSocketOptions {
  readonly url: string;
  readonly clientId: string;
  readonly token: string | undefined;
  onMessage(message: WireMessage): void;
  onPreview(blob: Blob): void;
  onStatus(status: 'connecting' | 'open' | 'closed'): void;
  /** Called on every open after the first, once the socket is back. */
  onReconnected(): void;
  readonly createSocket?: (url: string) => WebSocket;
}

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 10_000;

/**
 * @example
 * const socket = connectEventSocket({ url, clientId, token, onMessage, onPreview, onStatus, onReconnected });
 * socket.close();
 */
export function connectEventSocket(options: EventSocketOptions): { close(): void } {
  const create = options.createSocket ?? ((url: string) => new WebSocket(url));
  const params = new URLSearchParams({ clientId: options.clientId });
  if (options.token) params.set('token', options.token);
  const url = `${options.url}?${params.toString()}`;
  let delay = MIN_DELAY_MS;
  let opened = false;
  let stopped = false;
  let socket: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    options.onStatus('connecting');
    const ws = create(url);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      delay = MIN_DELAY_MS;
      options.onStatus('open');
      if (opened) options.onReconnected();
      opened = true;
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      if (event.data instanceof ArrayBuffer) {
        const frame = decodePreviewFrame(new Uint8Array(event.data));
        if (frame)
          options.onPreview(new Blob([frame.bytes as Uint8Array<ArrayBuffer>], { type: frame.mime }));
        return;
      }
      if (typeof event.data !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      // Unknown message types (a newer server) are skipped, not fatal.
      const parsed = zWireMessage.safeParse(json);
      if (parsed.success) options.onMessage(parsed.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      options.onStatus('closed');
      if (stopped) return;
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
  };
  open();
  return {
    close: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.close();
    },
  };
}
