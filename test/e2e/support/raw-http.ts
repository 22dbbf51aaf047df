/**
 * @module
 * Raw HTTP requests over node:http for the bad-input table: full control of the Host and Origin
 * headers, Content-Length, chunked bodies and WebSocket upgrade handshakes, which fetch does not give.
 */
import http from 'node:http';

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Send the body chunked (no Content-Length). */
  readonly chunked?: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly text: string;
  /** The body as received (for images). */
  readonly bytes: Uint8Array;
  /** True when the server accepted a WebSocket upgrade. */
  readonly upgraded: boolean;
}

export function rawRequest(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...req.headers };
    if (body && !req.chunked) headers['content-length'] = String(body.length);
    // A fresh connection per request: after an early 413 the old one may still carry unread body bytes.
    const client = http.request({
      host: '127.0.0.1',
      port,
      method: req.method ?? 'GET',
      path: req.path,
      headers,
      agent: false,
    });
    client.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          text: body.toString('utf8'),
          bytes: new Uint8Array(body),
          upgraded: false,
        });
      });
      res.on('error', reject);
    });
    client.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, text: '', bytes: new Uint8Array(0), upgraded: true });
    });
    // The server may answer (413) and close before the whole body is written: that answer counts.
    client.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    if (body && req.chunked) {
      const step = 64 * 1024;
      for (let i = 0; i < body.length; i += step) client.write(body.subarray(i, i + step));
    } else if (body) client.write(body);
    client.end();
  });
}

/** Headers of a WebSocket handshake. */
export const UPGRADE_HEADERS = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
} as const;

/** A multipart/form-data body from fields; a field given as `{ filename, bytes, type }` is a file. */
export function multipart(
  fields: Readonly<Record<string, string | { filename: string; bytes: Uint8Array; type?: string }>>,
): { body: Buffer; contentType: string } {
  const boundary = `----momaflow${Date.now().toString(16)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') {
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
      );
    } else {
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\n` +
            `Content-Type: ${value.type ?? 'application/octet-stream'}\r\n\r\n`,
        ),
        Buffer.from(value.bytes),
        Buffer.from('\r\n'),
      );
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
