/**
 * @module
 * What ComfyUI's Python example scripts put on the wire, rebuilt byte for byte where it matters:
 * `json.dumps` text (", " and ": " separators, ASCII escapes), `urllib.request` requests (its
 * headers, and `application/x-www-form-urlencoded` on every POST with data), and a
 * `websocket-client` connection (an `Origin` of the server's own address, no compression) with a
 * blocking-style `recv()`.
 */
import WebSocket from 'ws';
import { type RawResponse, rawRequest } from './raw-http';

/** Python's `json.dumps(value)` with its default separators and `ensure_ascii=True`. */
export function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const items = Object.entries(value).map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`);
    return `{${items.join(', ')}}`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return JSON.stringify(value) ?? 'null';
}

/** The headers urllib sends on its own (Python 3.12). */
function urllibHeaders(port: number): Record<string, string> {
  return {
    'accept-encoding': 'identity',
    host: `127.0.0.1:${port}`,
    'user-agent': 'Python-urllib/3.12',
    connection: 'close',
  };
}

/** `urllib.request.urlopen(urllib.request.Request(url, data=body))`: a POST labelled urlencoded. */
export function urllibPost(port: number, path: string, body: string): Promise<RawResponse> {
  return rawRequest(port, {
    method: 'POST',
    path,
    headers: { ...urllibHeaders(port), 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(body, 'utf8'),
  });
}

/** `urllib.request.urlopen(url)`: a GET. */
export function urllibGet(port: number, path: string): Promise<RawResponse> {
  return rawRequest(port, { path, headers: urllibHeaders(port) });
}

/** A frame as `ws.recv()` returns it: `str` for text, `bytes` for binary. */
export type Received = string | Uint8Array;

export interface PythonWebSocket {
  /** Waits for the next frame, like websocket-client's `recv()` (with a timeout, to fail a test). */
  recv(timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

/** `websocket.WebSocket().connect("ws://127.0.0.1:PORT/ws?clientId=...")`. */
export async function websocketClientConnect(port: number, path: string): Promise<PythonWebSocket> {
  // websocket-client sends Origin: http://<host:port> and asks for no extensions.
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
    origin: `http://127.0.0.1:${port}`,
    perMessageDeflate: false,
  });
  const queue: Received[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    queue.push(isBinary ? new Uint8Array(bytes) : bytes.toString('utf8'));
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    async recv(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (Date.now() > deadline) throw new Error(`no WebSocket frame within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return queue.shift()!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
