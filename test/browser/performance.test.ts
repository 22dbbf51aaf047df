/**
 * Big graphs stay fast: a 500-node workflow opens (file drop -> parse -> every node rendered and
 * measured; median of three) in under 1.5 s, and dragging a node keeps the median frame time under 20 ms, in
 * headless chromium. Both numbers are printed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigWorkflow } from './support/big-workflow';
import { acquireBrowserLock } from './support/browser-lock';
import { type LaunchedBrowser, launchChromium } from './support/chromium';
import { openEditor, screenshot } from './support/editor-page';
import { type EditorServer, startEditorServer } from './support/editor-server';
import type { PageGlobals } from './support/page-globals';

const NODES = 500;
const LOAD_BUDGET_MS = 1500;
const FRAME_BUDGET_MS = 20;
const LOAD_RUNS = 3;

let server: EditorServer;
let chromium: LaunchedBrowser;
let page: Page;
let releaseLock: (() => Promise<void>) | undefined;

beforeAll(async () => {
  releaseLock = await acquireBrowserLock();
  server = await startEditorServer();
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  await openEditor(page, server.editorUrl);
}, 600_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await releaseLock?.();
});

/** Drops the workflow on the canvas as a file and times it until every node is drawn and measured. */
function timedLoad(
  workflow: Record<string, unknown>,
  count: number,
): Promise<{ total: number; firstDom: number; zoom: string }> {
  return page.evaluate(
    ({ text, count }) =>
      new Promise<{ total: number; firstDom: number; zoom: string }>((resolve) => {
        const page = globalThis as unknown as PageGlobals;
        const transfer = new page.DataTransfer();
        transfer.items.add(new page.File([text], 'big.json', { type: 'application/json' }));
        const canvas = page.document.querySelector('[data-testid=canvas]')!;
        const start = performance.now();
        canvas.dispatchEvent(
          new page.DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
        let firstDom = -1;
        const check = () => {
          const nodes = page.document.querySelectorAll('.react-flow__node');
          if (firstDom < 0 && nodes.length > 0) firstDom = performance.now() - start;
          // React Flow keeps a node hidden until it has measured it.
          if (nodes.length === count && [...nodes].every((n) => n.style.visibility !== 'hidden')) {
            const zoom = page.document.querySelector('.react-flow__viewport')?.getAttribute('style') ?? '';
            page.requestAnimationFrame(() => resolve({ total: performance.now() - start, firstDom, zoom }));
          } else page.requestAnimationFrame(check);
        };
        page.requestAnimationFrame(check);
      }),
    { text: JSON.stringify(workflow), count },
  );
}

interface Drag {
  readonly median: number;
  readonly p95: number;
  readonly frames: number;
}

/** Drags a node by its header with the mouse, recording every animation frame's duration meanwhile. */
async function dragFrames(nodeId: string, distance: number): Promise<Drag> {
  const box = await page.locator(`.react-flow__node[data-id="${nodeId}"] .mf-node-header`).boundingBox();
  if (!box) throw new Error(`node ${nodeId} is not on screen`);
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.frameTimes = [];
    w.recording = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.frameTimes.push(now - last);
      last = now;
      if (w.recording) w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
  await page.mouse.move(box.x + 10, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 10 + distance, box.y + box.height / 2 + distance / 2, { steps: 90 });
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.recording = false;
    return w.frameTimes.slice(1);
  });
  const sorted = [...frames].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? Number.POSITIVE_INFINITY,
    p95: sorted[Math.floor(sorted.length * 0.95)] ?? Number.POSITIVE_INFINITY,
    frames: frames.length,
  };
}

describe('a 500-node workflow', () => {
  it(`loads in under ${LOAD_BUDGET_MS} ms and drags at a median frame under ${FRAME_BUDGET_MS} ms`, async () => {
    // The median of three loads, each into a fresh tab: one number from a noisy shared machine is luck.
    const loads = [];
    for (let i = 0; i < LOAD_RUNS; i++) loads.push(await timedLoad(bigWorkflow(NODES), NODES));
    const load = [...loads].sort((a, b) => a.total - b.total)[Math.floor(LOAD_RUNS / 2)]!;
    const loadMs = load.total;
    await page.waitForTimeout(300);
    await screenshot(page, 'big-graph');

    const zoomedOut = await dragFrames('250', 300);
    // Zoom in on the node with the wheel until it is drawn in full detail at about 100%.
    const header = page.locator('.react-flow__node[data-id="250"] .mf-node-header');
    for (let i = 0; i < 40 && ((await header.boundingBox())?.width ?? 0) < 250; i++) {
      const box = await header.boundingBox();
      if (!box) throw new Error('node 250 left the screen while zooming');
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -120);
      await page.waitForTimeout(40);
    }
    await page.waitForTimeout(500);
    await screenshot(page, 'big-graph-detail');
    const detailed = await dragFrames('250', 120);
    const moved = await page.evaluate(() => {
      const state = (globalThis as unknown as PageGlobals).momaflow.tabs.getState();
      const tab = state.tabs.find((t) => t.id === state.activeId)!;
      return tab.doc.nodes.find((n) => n.id === '250')!.position.x;
    });
    const line = (d: Drag) =>
      `median ${d.median.toFixed(1)} ms, p95 ${d.p95.toFixed(1)} ms over ${d.frames} frames`;
    console.log(
      `[perf] ${NODES}-node workflow: load ${loadMs.toFixed(0)} ms (median of ${loads.map((l) => l.total.toFixed(0)).join(', ')}; first nodes in the DOM after ${load.firstDom.toFixed(0)} ms); ` +
        `drag zoomed out: ${line(zoomedOut)}; drag at 100%: ${line(detailed)}`,
    );
    // Node 250 starts in grid column 9 (x = 9 * 320); the drag moves it right.
    expect(moved).toBeGreaterThan(2880);
    expect(loadMs).toBeLessThan(LOAD_BUDGET_MS);
    for (const drag of [zoomedOut, detailed]) {
      expect(drag.frames).toBeGreaterThan(10);
      expect(drag.median).toBeLessThan(FRAME_BUDGET_MS);
    }
  }, 120_000);
});
