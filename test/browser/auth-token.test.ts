/**
 * The editor served by a server that requires a token, in headless chromium: the page and its
 * bundles load without it, and the editor opened as `/?token=T` carries it everywhere else (bearer
 * header on the API, `?token=` on the WebSocket and on output image URLs).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireBrowserLock } from './support/browser-lock';
import { type LaunchedBrowser, launchChromium } from './support/chromium';
import { nodeSelector, openEditor, openExample } from './support/editor-page';
import { type EditorServer, startEditorServer } from './support/editor-server';
import type { PageElement } from './support/page-globals';

const TOKEN = 'browser-test-token';

let server: EditorServer;
let chromium: LaunchedBrowser;
let page: Page;
let releaseLock: (() => Promise<void>) | undefined;
const refused: string[] = [];

beforeAll(async () => {
  releaseLock = await acquireBrowserLock();
  server = await startEditorServer({ authToken: TOKEN });
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on('response', (response) => {
    if (response.status() === 401) refused.push(response.url());
  });
}, 600_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await releaseLock?.();
});

describe('editor behind an auth token', () => {
  it('opens from /?token=, then talks to the API, the event stream and the image URLs with the token', async () => {
    expect((await fetch(`${server.apiUrl}/api/object_info`)).status).toBe(401);
    // openEditor waits for the WebSocket to connect and the node types to load.
    await openEditor(page, `${server.editorUrl}?token=${TOKEN}`);
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await openExample(page, 'progress-preview');
    await page.keyboard.press('Control+Enter');
    const output = page.locator(nodeSelector('3')).locator('[data-testid=node-output-image]');
    await output.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => output.evaluate((img) => (img as unknown as PageElement).naturalWidth ?? 0))
      .toBeGreaterThan(0);
    expect(refused).toEqual([]);
  }, 60_000);
});
