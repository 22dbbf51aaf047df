/**
 * MLLMAdapter in a workflow run by the executor: re-running with the same image, subject and prompt
 * takes MoMA's image-prompt tokens from the cache (the MLLM does not run again); a new prompt runs
 * the adapter once more while the loaders stay cached. Runs are counted from the executor's events.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createExecutor, type ExecutionEvent, Tensor, validatePrompt } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../builtin-registry';
import { wave } from '../diffusion/test-support';
import { encodePng } from '../image';
import { TINY_CLIP_VISION_DIR, TINY_LLAVA_DIR, TINY_MOMA_ADAPTER_FILE } from '../models/tiny';
import { type MllmWorkspace, mllmWorkspace } from './test-support';

let ws: MllmWorkspace;
beforeAll(async () => {
  ws = await mllmWorkspace();
  await mkdir(ws.env.dirs.input, { recursive: true });
  const image = wave([1, 40, 56, 3]).data.map((v) => (v + 1) / 2);
  await writeFile(
    join(ws.env.dirs.input, 'subject.png'),
    await encodePng(new Tensor('float32', [1, 40, 56, 3], image)),
  );
});
afterAll(() => ws.dispose());

const prompt = (text: string) => ({
  '1': { class_type: 'LoadImage', inputs: { image: 'subject.png' } },
  '2': {
    class_type: 'MLLMLoader',
    inputs: { mllm_name: TINY_LLAVA_DIR, vision_tower: TINY_CLIP_VISION_DIR, quantization: 'auto' },
  },
  '3': { class_type: 'MoMAAdapterLoader', inputs: { adapter_name: TINY_MOMA_ADAPTER_FILE } },
  '4': {
    class_type: 'MLLMAdapter',
    inputs: { mllm: ['2', 0], moma_adapter: ['3', 0], image: ['1', 0], subject: 'cat', prompt: text },
  },
});

describe('MLLMAdapter in a workflow', () => {
  it('runs the MLLM once per distinct image, subject and prompt', async () => {
    const registry = createBuiltinRegistry();
    const executor = createExecutor({ env: ws.env });
    const runs = async (text: string) => {
      const checked = await validatePrompt(prompt(text), { registry, env: ws.env, targets: ['4'] });
      if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
      const events: ExecutionEvent[] = [];
      const result = await executor.execute(checked.value, { emit: (e) => events.push(e) });
      expect(result.status).toBe('success');
      return events
        .filter((e) => e.type === 'executing')
        .map((e) => (e.type === 'executing' ? e.nodeId : ''));
    };
    expect((await runs('A cat in the snow.')).sort()).toEqual(['1', '2', '3', '4']);
    expect(await runs('A cat in the snow.')).toEqual([]);
    expect(await runs('A cat on the beach.')).toEqual(['4']);
    expect(await runs('A cat in the snow.')).toEqual([]);
  });
});
