// @ts-check
/**
 * @module
 * The worker thread that owns a `SessionCache`'s onnxruntime sessions. onnxruntime-node's `run` is
 * synchronous native code behind a Promise (onnxruntime issues 19611, 26968), so sessions run here and
 * the main thread's event loop keeps serving HTTP, WebSocket frames and timers during a step. Plain
 * JavaScript so that Node loads it as is, under tsx, vitest or a bundle alike; the protocol's types
 * live in `session-worker-protocol.ts`.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

if (parentPort === null) throw new Error('session-worker.mjs must run as a worker thread');
const port = parentPort;

/** @type {Map<number, ort.InferenceSession>} */
const sessions = new Map();
/** Feeds that stay the same over many runs, sent once (e.g. a UNet patch's reference K/V). */
/** @type {Map<number, Record<string, ort.Tensor>>} */
const constants = new Map();

/** @param {unknown} err */
const messageOf = (err) => (err instanceof Error ? err.message : String(err));

/**
 * @param {import('./session-worker-protocol').WireTensor} t
 * @returns {ort.Tensor}
 */
const toTensor = (t) => new ort.Tensor(t.type, t.data, t.dims);

/**
 * Outputs go back with their buffers transferred; one that cannot be detached is copied instead.
 * @param {number} callId
 * @param {Record<string, ort.Tensor>} outputs
 */
function postOutputs(callId, outputs) {
  /** @type {Record<string, import('./session-worker-protocol').WireTensor>} */
  const wire = {};
  /** @type {ArrayBuffer[]} */
  const transfer = [];
  for (const [name, t] of Object.entries(outputs)) {
    const data = /** @type {import('./session-worker-protocol').WireTensor['data']} */ (t.data);
    wire[name] = {
      type: /** @type {import('./session-worker-protocol').WireTensor['type']} */ (t.type),
      dims: [...t.dims],
      data,
    };
    if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer)) {
      transfer.push(data.buffer);
    }
  }
  try {
    port.postMessage({ callId, ok: true, outputs: wire }, transfer);
  } catch {
    port.postMessage({ callId, ok: true, outputs: wire });
  }
}

/** @param {import('./session-worker-protocol').WorkerRequest} req */
async function handle(req) {
  switch (req.op) {
    case 'create': {
      const { target, options } = req;
      const session =
        typeof target === 'string'
          ? await ort.InferenceSession.create(target, options)
          : await ort.InferenceSession.create(target, options);
      sessions.set(req.sessionId, session);
      return { inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
    }
    case 'run': {
      const session = sessions.get(req.sessionId);
      if (session === undefined) throw new Error(`session ${req.sessionId} is not open`);
      const own = Object.fromEntries(Object.entries(req.feeds).map(([k, v]) => [k, toTensor(v)]));
      const stored = req.constantsId === undefined ? {} : constants.get(req.constantsId);
      if (stored === undefined) throw new Error(`constant feeds ${req.constantsId} are not stored`);
      const feeds = { ...stored, ...own };
      return req.fetches === undefined ? session.run(feeds) : session.run(feeds, req.fetches);
    }
    case 'release': {
      const session = sessions.get(req.sessionId);
      sessions.delete(req.sessionId);
      await session?.release();
      return {};
    }
    case 'constants': {
      constants.set(
        req.constantsId,
        Object.fromEntries(Object.entries(req.feeds).map(([k, v]) => [k, toTensor(v)])),
      );
      return {};
    }
    case 'dropConstants': {
      constants.delete(req.constantsId);
      return {};
    }
  }
}

port.on('message', (/** @type {import('./session-worker-protocol').WorkerRequest} */ req) => {
  handle(req).then(
    (result) => {
      if (req.op === 'run') postOutputs(req.callId, /** @type {Record<string, ort.Tensor>} */ (result));
      else port.postMessage({ callId: req.callId, ok: true, result });
    },
    (err) => port.postMessage({ callId: req.callId, ok: false, message: messageOf(err) }),
  );
});
