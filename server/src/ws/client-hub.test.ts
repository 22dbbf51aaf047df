import { describe, expect, it } from 'vitest';
import { statusMessage } from '../protocol';
import { type ClientSocket, createClientHub } from './client-hub';

class FakeSocket implements ClientSocket {
  bufferedAmount = 0;
  readonly sent: (string | Uint8Array)[] = [];
  terminated = false;
  closed: [number | undefined, string | undefined] | undefined;
  send(data: string | Uint8Array) {
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    this.closed = [code, reason];
  }
  terminate() {
    this.terminated = true;
  }
  texts() {
    return this.sent.filter((d): d is string => typeof d === 'string');
  }
}

const executing = (promptId: string) =>
  ({ type: 'executing', data: { prompt_id: promptId, node: '1', display_node: '1' } }) as const;
const PREVIEW = { format: 'PNG', bytes: new Uint8Array([1, 2, 3]) } as const;
const limits = { previewBufferBytes: 100, maxBufferBytes: 1000 };

describe(createClientHub.name, () => {
  it('routes a prompt to its owner and to subscribe-all clients, an ownerless one to everyone', () => {
    const hub = createClientHub(limits);
    const [a, a2, b, all] = [new FakeSocket(), new FakeSocket(), new FakeSocket(), new FakeSocket()];
    hub.attach(a, { clientId: 'a', subscribeAll: false });
    hub.attach(a2, { clientId: 'a', subscribeAll: false });
    hub.attach(b, { clientId: 'b', subscribeAll: false });
    hub.attach(all, { clientId: 'w', subscribeAll: true });
    hub.sendPromptMessage('a', executing('pa'));
    hub.sendPromptMessage(null, executing('anon'));
    hub.sendPromptMessage('ghost', executing('pg'));
    const ids = (s: FakeSocket) => s.texts().map((t) => JSON.parse(t).data.prompt_id);
    expect(ids(a)).toEqual(['pa', 'anon']);
    expect(ids(a2)).toEqual(['pa', 'anon']);
    expect(ids(b)).toEqual(['anon']);
    expect(ids(all)).toEqual(['pa', 'anon', 'pg']);
  });

  it('drops previews for a client that is behind, but never its JSON frames', () => {
    const hub = createClientHub(limits);
    const slow = new FakeSocket();
    const fine = new FakeSocket();
    hub.attach(slow, { clientId: 's', subscribeAll: true });
    hub.attach(fine, { clientId: 'f', subscribeAll: true });
    slow.bufferedAmount = 500;
    hub.sendPromptPreview('x', PREVIEW);
    hub.sendPromptMessage('x', executing('x'));
    expect(slow.sent.map((d) => typeof d)).toEqual(['string']);
    expect(fine.sent.map((d) => typeof d)).toEqual(['object', 'string']);
    expect(hub.stats()).toEqual({ clients: 2, droppedPreviews: 1, disconnectedSlow: 0 });
  });

  it('still sends an essential image (SaveImageWebsocket) to a client that is behind', () => {
    const hub = createClientHub(limits);
    const slow = new FakeSocket();
    hub.attach(slow, { clientId: 's', subscribeAll: false });
    slow.bufferedAmount = 500;
    hub.sendPromptPreview('s', { ...PREVIEW, essential: true });
    hub.sendPromptPreview('s', PREVIEW);
    expect(slow.sent).toHaveLength(1);
    expect(hub.stats().droppedPreviews).toBe(1);
  });

  it('cuts off a client whose buffer passed the hard limit', () => {
    const hub = createClientHub(limits);
    const stuck = new FakeSocket();
    hub.attach(stuck, { clientId: 's', subscribeAll: false });
    stuck.bufferedAmount = 5000;
    hub.broadcast(statusMessage(1));
    expect([stuck.terminated, stuck.sent.length, hub.stats().clients, hub.stats().disconnectedSlow]).toEqual([
      true,
      0,
      0,
      1,
    ]);
  });

  it('forgets detached clients and closes everyone on shutdown', () => {
    const hub = createClientHub(limits);
    const one = new FakeSocket();
    const two = new FakeSocket();
    const client = hub.attach(one, { clientId: 'one', subscribeAll: false });
    hub.attach(two, { clientId: 'two', subscribeAll: false });
    hub.detach(client);
    hub.broadcast(statusMessage(0));
    expect([one.sent.length, two.sent.length]).toEqual([0, 1]);
    hub.closeAll(1001, 'bye');
    expect(two.closed).toEqual([1001, 'bye']);
    expect(hub.stats().clients).toBe(0);
  });
});
