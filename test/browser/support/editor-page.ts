/**
 * @module
 * Page helpers for the browser tests: open the editor, find nodes and sockets, draw links with the
 * mouse, read the open workflow through the editor's own stores (`window.momaflow`), screenshots.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { PageGlobals } from './page-globals';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

/** A workflow node as the test compares it: type, inputs (literals and links) and position. */
export interface GraphNode {
  readonly class_type: string;
  readonly inputs: Record<string, unknown>;
  readonly pos: [number, number];
  readonly mode: string;
}

/** Opens the editor and waits until the socket is up and node types are loaded. */
export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('[data-testid=connection]:has-text("connected")');
  await page.waitForFunction(() => {
    const bar = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=status-bar]');
    const text = bar?.textContent ?? '';
    return text.includes('node types') && !text.includes('loading');
  });
}

/** Opens an example from the Examples menu and waits for its nodes. */
export async function openExample(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Examples ▾' }).click();
  await page.click(`[data-example="${name}"]`);
  await page.waitForSelector('[data-testid=workflow-node]');
}

export const nodeSelector = (id: string): string => `.react-flow__node[data-id="${id}"]`;
export const handleSelector = (nodeId: string, handleId: string): string =>
  `.react-flow__handle[data-nodeid="${nodeId}"][data-handleid="${handleId}"]`;

async function center(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags with the mouse from one socket to another (or to a point on the canvas). */
export async function dragLink(
  page: Page,
  from: string,
  to: string | { x: number; y: number },
): Promise<void> {
  const start = await center(page, from);
  const end = typeof to === 'string' ? await center(page, to) : to;
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 5 });
  await page.mouse.move(end.x, end.y, { steps: 5 });
  await page.mouse.up();
}

/** The active tab's workflow nodes, in the saved format's terms. */
export function activeGraph(page: Page): Promise<Record<string, GraphNode>> {
  return page.evaluate(() => {
    const state = (globalThis as unknown as PageGlobals).momaflow.tabs.getState();
    const doc = state.tabs.find((t) => t.id === state.activeId)!.doc;
    const graph: Record<string, GraphNode> = {};
    for (const node of doc.nodes) {
      if (node.type !== 'workflow') continue;
      const inputs: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(node.data.values))
        if (!(name in node.data.links)) inputs[name] = value;
      Object.assign(inputs, node.data.links);
      graph[node.id] = {
        class_type: node.data.classType,
        inputs,
        pos: [node.position.x, node.position.y],
        mode: node.data.mode,
      };
    }
    return graph;
  });
}

/** Saves a screenshot under test/artifacts/ (a CI artifact). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}
