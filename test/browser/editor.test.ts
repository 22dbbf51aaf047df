/**
 * The editor in headless chromium against the real server on loopback: load and queue examples
 * (progress, live preview, output image on the node), link rules, the palette, undo/redo, PNG
 * drop, ComfyUI files through the file picker, node errors. Screenshots go to test/artifacts/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { comfyUiWorkflow } from '@momaflow/engine/testing';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../e2e/support/png';
import { acquireBrowserLock } from './support/browser-lock';
import { type LaunchedBrowser, launchChromium } from './support/chromium';
import {
  activeGraph,
  dragLink,
  handleSelector,
  nodeSelector,
  openEditor,
  openExample,
  screenshot,
} from './support/editor-page';
import { type EditorServer, startEditorServer } from './support/editor-server';
import type { PageElement, PageGlobals } from './support/page-globals';

let server: EditorServer;
let chromium: LaunchedBrowser;
let page: Page;
let releaseLock: (() => Promise<void>) | undefined;
/** What chromium blocked under the server's Content-Security-Policy during one test. */
let cspViolations: string[] = [];

beforeAll(async () => {
  releaseLock = await acquireBrowserLock();
  server = await startEditorServer();
  chromium = await launchChromium();
}, 600_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await releaseLock?.();
});

beforeEach(async () => {
  await page?.close();
  page = await chromium.context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err.message));
  cspViolations = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy'))
      cspViolations.push(message.text());
  });
  // Each test starts without the tabs an earlier test left in localStorage.
  await page.addInitScript(() =>
    (globalThis as unknown as { localStorage: { clear(): void } }).localStorage.clear(),
  );
  await openEditor(page, server.editorUrl);
});

afterEach(() => {
  // The editor is served under a strict CSP (server/src/http/routes/editor-routes.ts): whatever a
  // test exercised must have run within it.
  expect(cspViolations).toEqual([]);
});

const toast = () => page.locator('[data-testid=toast]').last();

describe('editor in chromium', () => {
  it('loads the txt2img example, queues it, and shows sampler progress, previews and the image on the nodes', async () => {
    await openExample(page, 'txt2img');
    await screenshot(page, 'txt2img-loaded');
    await page.getByTestId('queue-button').click();
    const sampler = page.locator(`${nodeSelector('3')} [data-testid=workflow-node]`);
    await expect.poll(() => sampler.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await expect
      .poll(
        async () =>
          Number.parseFloat(
            await sampler
              .locator('[data-testid=node-progress]')
              .evaluate((el) => (el as unknown as PageElement).style.width),
          ),
        {
          timeout: 60_000,
        },
      )
      .toBeGreaterThan(0);
    await sampler.locator('[data-testid=node-preview]').waitFor({ timeout: 60_000 });
    await screenshot(page, 'txt2img-sampling');
    const output = page.locator(nodeSelector('9')).locator('[data-testid=node-output-image]');
    await output.waitFor({ timeout: 120_000 });
    await expect
      .poll(() => output.evaluate((img) => (img as unknown as PageElement).naturalWidth ?? 0))
      .toBeGreaterThan(0);
    await page.waitForSelector('[data-testid=run-status][data-status=success]');
    await screenshot(page, 'txt2img-done');
  }, 180_000);

  it('queues an example and shows progress, the live preview and the output image on the nodes', async () => {
    await openExample(page, 'progress-preview');
    await screenshot(page, 'progress-loaded');
    await page.keyboard.press('Control+Enter');
    const sampler = page.locator(nodeSelector('2'));
    await sampler.locator('[data-testid=node-preview]').waitFor();
    await expect
      .poll(async () => sampler.locator('[data-testid=workflow-node]').getAttribute('data-status'))
      .toBe('running');
    const width = await sampler
      .locator('[data-testid=node-progress]')
      .evaluate((el) => (el as unknown as PageElement).style.width);
    expect(Number.parseFloat(width)).toBeGreaterThan(0);
    await screenshot(page, 'progress-running');
    const output = page.locator(nodeSelector('3')).locator('[data-testid=node-output-image]');
    await output.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => output.evaluate((img) => (img as unknown as PageElement).naturalWidth ?? 0))
      .toBeGreaterThan(0);
    await page.waitForSelector('[data-testid=run-status][data-status=success]');
    await screenshot(page, 'progress-done');
    await output.click();
    await page.locator('[data-testid=lightbox] img').waitFor();
    await screenshot(page, 'output-lightbox');
  }, 60_000);

  it('refuses a wrong-type link and says why', async () => {
    await openExample(page, 'image-basics');
    const before = Object.keys(await activeGraph(page)).length;
    await dragLink(page, handleSelector('1', 'out:1'), handleSelector('5', 'in:images'));
    await expect
      .poll(() => toast().textContent())
      .toContain("MASK output 'MASK' cannot feed IMAGE input 'images'");
    expect((await activeGraph(page))['5']?.inputs.images).toEqual(['2', 0]);
    expect(Object.keys(await activeGraph(page))).toHaveLength(before);
    await screenshot(page, 'link-refused');
  });

  it('adds a node from the palette, links it, and undoes and redoes both', async () => {
    await openExample(page, 'image-basics');
    await page.mouse.dblclick(1030, 200); // empty canvas right of Save Scaled, above the Mask group
    await page.locator('[data-testid=palette] input').fill('invert');
    await page.keyboard.press('Enter');
    await expect.poll(async () => Object.keys(await activeGraph(page))).toContain('7');
    expect((await activeGraph(page))['7']?.class_type).toBe('InvertMask');
    await dragLink(page, handleSelector('1', 'out:1'), handleSelector('7', 'in:mask'));
    await expect.poll(async () => (await activeGraph(page))['7']?.inputs.mask).toEqual(['1', 1]);
    await screenshot(page, 'palette-added-linked');

    await page.mouse.click(5, 300);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await activeGraph(page))['7']?.inputs.mask).toBeUndefined();
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Object.keys(await activeGraph(page))).not.toContain('7');
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(async () => (await activeGraph(page))['7']?.inputs.mask).toEqual(['1', 1]);
  });

  it('opens the palette filtered to fitting types when a link is dropped on the canvas, and links the pick', async () => {
    await openExample(page, 'image-basics');
    await dragLink(page, handleSelector('1', 'out:1'), { x: 600, y: 720 });
    await page.locator('[data-testid=palette]').waitFor();
    const offered = await page
      .locator('[data-testid=palette] [data-type]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(offered).toEqual(expect.arrayContaining(['InvertMask', 'MaskToImage']));
    expect(offered).not.toContain('ImageScale');
    await page.locator('[data-testid=palette] [data-type=MaskToImage]').click();
    await expect
      .poll(async () => (await activeGraph(page))['7'])
      .toMatchObject({ class_type: 'MaskToImage', inputs: { mask: ['1', 1] } });
  });

  it('restores the same graph from a PNG that SaveImage wrote', async () => {
    await openExample(page, 'image-basics');
    const queued = await activeGraph(page);
    await page.getByTestId('queue-button').click();
    const image = page.locator(nodeSelector('5')).locator('[data-testid=node-output-image]');
    await image.waitFor({ timeout: 30_000 });
    const src = await image.getAttribute('src');
    const full = new URL(src!);
    full.searchParams.delete('preview');
    const png = Buffer.from(await (await fetch(full)).arrayBuffer());
    await page.evaluate(
      ({ bytes }) => {
        const page = globalThis as unknown as PageGlobals;
        const file = new page.File([new Uint8Array(bytes)], 'scaled.png', { type: 'image/png' });
        const transfer = new page.DataTransfer();
        transfer.items.add(file);
        const canvas = page.document.querySelector('[data-testid=canvas]')!;
        canvas.dispatchEvent(
          new page.DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
        canvas.dispatchEvent(
          new page.DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      },
      { bytes: [...png] },
    );
    await expect.poll(() => page.locator('[data-testid=tab]').count()).toBe(2);
    expect(await activeGraph(page)).toEqual(queued);
    await screenshot(page, 'png-restored');
  }, 60_000);

  it('opens a ComfyUI PNG from the file picker, mapped by the schemas, and runs it', async () => {
    const workflow = comfyUiWorkflow(
      {
        nodes: [
          {
            id: 10,
            type: 'LoadImage',
            pos: [0, 0],
            widgets_values: ['example.png', 'image'],
            outputs: ['IMAGE', 'MASK'],
          },
          {
            id: 11,
            type: 'ImageScale',
            pos: [400, 0],
            title: 'Smaller',
            inputs: [{ name: 'image' }],
            outputs: ['IMAGE'],
            widgets_values: ['bilinear', 96, 0, 'disabled'],
          },
          {
            id: 12,
            type: 'SaveImage',
            pos: [800, 0],
            inputs: [{ name: 'images' }],
            widgets_values: ['from-comfyui'],
          },
        ],
        links: [
          [1, 10, 0, 11, 0, 'IMAGE'],
          [2, 11, 0, 12, 0, 'IMAGE'],
        ],
      },
      1,
    );
    // A file on disk, as a user picks it (the page reads it after the picker closes).
    const dir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-picker-'));
    const file = path.join(dir, 'ComfyUI_00007_.png');
    await writeFile(file, encodePng(4, 4, [0, 0, 0, 255], [['workflow', JSON.stringify(workflow)]]));
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Open file…' }).click(),
    ]);
    await chooser.setFiles(file);
    // It opens in the untouched empty tab the page starts with, so the tab count stays at one.
    await expect.poll(async () => (await activeGraph(page))['10']).toBeDefined();
    expect(await page.locator('[data-testid=tab]').count()).toBe(1);
    expect(await activeGraph(page)).toMatchObject({
      '10': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
      '11': {
        class_type: 'ImageScale',
        inputs: { image: ['10', 0], upscale_method: 'bilinear', width: 96, height: 0, crop: 'disabled' },
      },
      '12': { class_type: 'SaveImage', inputs: { images: ['11', 0], filename_prefix: 'from-comfyui' } },
    });
    await page.getByTestId('queue-button').click();
    await page
      .locator(nodeSelector('12'))
      .locator('[data-testid=node-output-image]')
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'comfyui-png-opened');
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows validation and execution errors on the offending node', async () => {
    const workflow = {
      format: 'momaflow.workflow',
      version: 2,
      name: 'Errors',
      nodes: {
        '1': { class_type: 'LoadImage', inputs: { image: 'missing.png' }, pos: [0, 0] },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' }, pos: [380, 0] },
      },
    };
    await page.getByTestId('open-file').setInputFiles({
      name: 'errors.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(workflow)),
    });
    await page.locator(nodeSelector('1')).waitFor();
    // Before queueing, the editor already warns: the file is not among the input images.
    await expect
      .poll(() => page.locator(nodeSelector('1')).locator('[data-testid=node-warnings]').textContent())
      .toContain('missing.png');
    await page.keyboard.press('Control+Enter');
    const issues = page.locator(nodeSelector('1')).locator('[data-testid=node-issues]');
    await expect.poll(() => issues.textContent()).toContain('missing.png');
    await expect
      .poll(() => page.locator(`${nodeSelector('1')} [data-input=image].mf-invalid`).count())
      .toBe(1);
    await screenshot(page, 'validation-error');

    const failing = {
      ...workflow,
      nodes: {
        '1': { class_type: 'LoadImage', inputs: { image: 'example.png' }, pos: [0, 0] },
        '2': { class_type: 'BrowserTestFail', inputs: { image: ['1', 0] }, pos: [380, 0] },
        '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' }, pos: [760, 0] },
      },
    };
    await page.getByTestId('open-file').setInputFiles({
      name: 'failing.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(failing)),
    });
    await page.locator(nodeSelector('3')).waitFor();
    await page.keyboard.press('Control+Enter');
    await expect
      .poll(
        () => page.locator(`${nodeSelector('2')} [data-testid=workflow-node]`).getAttribute('data-status'),
        { timeout: 20_000 },
      )
      .toBe('error');
    expect(
      await page.locator(nodeSelector('2')).locator('[data-testid=node-issues]').textContent(),
    ).toContain('fails on purpose');
    await screenshot(page, 'execution-error');
  }, 60_000);

  it('turns a widget into a socket when linked, and back when the link goes', async () => {
    await openExample(page, 'image-basics');
    await page.mouse.dblclick(1030, 200); // empty canvas right of Save Scaled, above the Mask group
    await page.locator('[data-testid=palette] input').fill('primitive int');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await activeGraph(page))['7']?.class_type).toBe('PrimitiveInt');
    const widthRow = page.locator(`${nodeSelector('2')} [data-input=width]`);
    await expect.poll(() => widthRow.locator('input').count()).toBeGreaterThan(0);
    await dragLink(page, handleSelector('7', 'out:0'), handleSelector('2', 'in:width'));
    await expect.poll(async () => (await activeGraph(page))['2']?.inputs.width).toEqual(['7', 0]);
    expect(await widthRow.locator('input').count()).toBe(0);
    await screenshot(page, 'widget-linked');
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await activeGraph(page))['2']?.inputs.width).toBe(192);
    await expect.poll(() => widthRow.locator('input').count()).toBeGreaterThan(0);
  });

  it('saves to the library, reopens from it, and copies nodes between tabs', async () => {
    await openExample(page, 'image-basics');
    await page.locator(`${nodeSelector('2')} [data-input=width] input[aria-label=width]`).fill('200');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('unsaved').count()).toBe(1);
    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByLabel('Workflow name').fill('my basics');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByTestId('unsaved').count()).toBe(0);
    const saved = await activeGraph(page);
    await page.getByRole('button', { name: 'New workflow' }).click();
    // The library opens into the new, untouched tab instead of adding a third.
    await page.getByTestId('library-panel').getByRole('button', { name: 'my basics' }).click();
    await expect.poll(() => page.locator('[data-testid=tab].mf-active').textContent()).toContain('my basics');
    expect(await page.locator('[data-testid=tab]').count()).toBe(2);
    expect(await activeGraph(page)).toEqual(saved);
    await screenshot(page, 'library');

    // Copy two nodes, paste them into a new tab: the link between them comes along.
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const store = g.momaflow as unknown as {
        tabs: { getState(): { flowNodesChanged(c: unknown[]): void } };
      };
      store.tabs.getState().flowNodesChanged([
        { id: '1', type: 'select', selected: true },
        { id: '2', type: 'select', selected: true },
      ]);
    });
    const clipboard = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals & {
        ClipboardEvent: new (
          type: string,
          init: { clipboardData: unknown; bubbles: boolean; cancelable: boolean },
        ) => unknown;
      };
      const data = new g.DataTransfer() as unknown as { getData(t: string): string };
      g.document
        .querySelector('body')!
        .dispatchEvent(
          new g.ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }),
        );
      return data.getData('text/plain');
    });
    expect(JSON.parse(clipboard)).toMatchObject({
      format: 'momaflow.workflow',
      nodes: { '2': { inputs: { image: ['1', 0] } } },
    });
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.mouse.move(600, 400);
    await page.evaluate((text) => {
      const g = globalThis as unknown as PageGlobals & {
        ClipboardEvent: new (
          type: string,
          init: { clipboardData: unknown; bubbles: boolean; cancelable: boolean },
        ) => unknown;
      };
      const data = new g.DataTransfer() as unknown as { setData(t: string, v: string): void };
      data.setData('text/plain', text);
      g.document
        .querySelector('body')!
        .dispatchEvent(
          new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
        );
    }, clipboard);
    await expect
      .poll(async () => Object.values(await activeGraph(page)).map((n) => n.class_type))
      .toEqual(['LoadImage', 'ImageScale']);
    expect((await activeGraph(page))['2']?.inputs.image).toEqual(['1', 0]);
  });

  it('brings the open tabs back after a reload, unsaved changes included', async () => {
    await openExample(page, 'image-basics');
    await page.locator(`${nodeSelector('2')} [data-input=width] input[aria-label=width]`).fill('96');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await activeGraph(page))['2']?.inputs.width).toBe(96);
    const before = await activeGraph(page);
    // A page without the clearing init script, on the same origin, sees what this one stored.
    await page.waitForTimeout(1500);
    const reloaded = await chromium.context.newPage();
    await openEditor(reloaded, server.editorUrl);
    await reloaded.locator('[data-testid=workflow-node]').first().waitFor();
    expect(await activeGraph(reloaded)).toEqual(before);
    expect(await reloaded.locator('[data-testid=tab]').textContent()).toContain('Image basics');
    expect(await reloaded.getByTestId('unsaved').count()).toBe(1);
    await reloaded.close();
  });

  it('lists the run in the queue panel, cancels it there, and re-runs it from history', async () => {
    await openExample(page, 'progress-preview');
    // A value no other test uses, so the server's cache cannot answer this run at once.
    await page.locator(`${nodeSelector('2')} [data-input=step_ms] input[aria-label=step_ms]`).fill('310');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await activeGraph(page))['2']?.inputs.step_ms).toBe(310);
    await page.getByRole('button', { name: /^Queue \(/ }).click();
    await page.keyboard.press('Control+Enter');
    const running = page.locator('[data-testid=queue-row][data-status=running]');
    await running.waitFor({ timeout: 20_000 });
    await screenshot(page, 'queue-running');
    await running.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForSelector('[data-testid=run-status][data-status=interrupted]');
    const interrupted = page.locator('[data-testid=queue-row][data-status=interrupted]').first();
    await interrupted.waitFor();
    await interrupted.getByRole('button', { name: 'Re-run' }).click();
    // History lists newest first: the re-run ends up on top, finished.
    await expect
      .poll(() => page.locator('[data-testid=queue-row]').first().getAttribute('data-status'), {
        timeout: 30_000,
      })
      .toBe('success');
    await screenshot(page, 'queue-history');
  }, 60_000);
});
