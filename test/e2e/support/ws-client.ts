/**
 * @module
 * A WebSocket test client: connects to `/ws`, records every JSON and binary frame in arrival order,
 * and waits for a frame matching a predicate (with a timeout, so a lost event fails the test).
 */
import type { WireMessage } from '@momaflow/server';
import WebSocket from 'ws';

export type Frame =
  | { readonly kind: 'json'; readonly message: WireMessage }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array };

export interface TestClient {
  readonly socket: WebSocket;
  readonly frames: Frame[];
  /** JSON messages only, in order. */
  messages(): WireMessage[];
  /** JSON messages of one prompt, in order. */
  promptMessages(promptId: string): WireMessage[];
  waitFor(predicate: (message: WireMessage) => boolean, timeoutMs?: number): Promise<WireMessage>;
  /** Resolves when the prompt's final `executing` (node null) frame has arrived. */
  waitForPromptDone(promptId: string, timeoutMs?: number): Promise<void>;
  send(data: string): void;
  close(): Promise<void>;
}

export function promptIdOf(message: WireMessage): string | undefined {
  const data: unknown = message.data;
  const id = typeof data === 'object' && data !== null ? Reflect.get(data, 'prompt_id') : undefined;
  return typeof id === 'string' ? id : undefined;
}

export async function connectClient(
  baseUrl: string,
  options: { clientId?: string; subscribe?: 'all' | 'own'; token?: string; origin?: string } = {},
): Promise<TestClient> {
  const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
  if (options.clientId) url.searchParams.set('clientId', options.clientId);
  if (options.subscribe) url.searchParams.set('subscribe', options.subscribe);
  if (options.token) url.searchParams.set('token', options.token);
  const socket = new WebSocket(url, options.origin ? { origin: options.origin } : {});
  const frames: Frame[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    frames.push(
      isBinary
        ? { kind: 'binary', bytes: new Uint8Array(bytes) }
        : { kind: 'json', message: JSON.parse(bytes.toString('utf8')) as WireMessage },
    );
    for (const listener of [...listeners]) listener();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  const messages = () => frames.flatMap((f) => (f.kind === 'json' ? [f.message] : []));
  const waitFor = (predicate: (m: WireMessage) => boolean, timeoutMs = 10_000) =>
    new Promise<WireMessage>((resolve, reject) => {
      const check = () => {
        const found = messages().find(predicate);
        if (!found) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for a frame; got ${JSON.stringify(messages().map((m) => m.type))}`,
          ),
        );
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return {
    socket,
    frames,
    messages,
    promptMessages: (id) => messages().filter((m) => promptIdOf(m) === id),
    waitFor,
    async waitForPromptDone(promptId, timeoutMs) {
      await waitFor(
        (m) => m.type === 'executing' && m.data.prompt_id === promptId && m.data.node === null,
        timeoutMs,
      );
    },
    send: (data) => socket.send(data),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
