/**
 * Node packs in the editor: the repository's sample pack (examples/packs/sepia-pack), installed with
 * `momaflow nodes add`, lists its example workflow; the example's pack node shows its pack badge, the
 * status bar reports the loaded pack, and the workflow runs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireBrowserLock } from './support/browser-lock';
import { type LaunchedBrowser, launchChromium } from './support/chromium';
import { nodeSelector, openEditor, openExample, screenshot } from './support/editor-page';
import { type EditorServer, startEditorServer } from './support/editor-server';

const SAMPLE_PACK = fileURLToPath(new URL('../../examples/packs/sepia-pack', import.meta.url));

let server: EditorServer;
let chromium: LaunchedBrowser;
let page: Page;
let releaseLock: (() => Promise<void>) | undefined;

beforeAll(async () => {
  releaseLock = await acquireBrowserLock();
  server = await startEditorServer({ packs: [SAMPLE_PACK] });
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  await openEditor(page, server.editorUrl);
}, 600_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await releaseLock?.();
});

describe('a node pack in the editor', () => {
  it('shows the sample pack node with its pack badge, reports the pack and runs its example', async () => {
    expect(path.basename(SAMPLE_PACK)).toBe('sepia-pack');
    await openExample(page, 'sepia-pack.sepia');
    const sepia = page.locator(nodeSelector('2'));
    await expect
      .poll(() => sepia.locator('[data-testid=pack-badge]').getAttribute('data-pack'))
      .toBe('sepia-pack');
    expect(await sepia.locator('[data-testid=pack-badge]').getAttribute('title')).toBe(
      'from node pack sepia-pack 1.0.0',
    );
    // Built-in nodes carry no badge.
    expect(await page.locator(`${nodeSelector('1')} [data-testid=pack-badge]`).count()).toBe(0);
    const packs = page.getByTestId('pack-status');
    await expect.poll(() => packs.locator('summary').textContent()).toBe('node packs: 1 loaded');
    await packs.locator('summary').click();
    expect(await packs.locator('[data-pack=sepia-pack]').getAttribute('data-pack-status')).toBe('loaded');
    await screenshot(page, 'node-pack-badge');
    await page.getByTestId('queue-button').click();
    await expect
      .poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('success');
    expect(await sepia.locator('[data-testid=workflow-node]').getAttribute('data-status')).toBe('done');
  });
});
