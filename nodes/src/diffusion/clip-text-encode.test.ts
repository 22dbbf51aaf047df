import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SD15_FILE } from '../models/tiny';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import { CLIPTextEncode } from './clip-text-encode';
import type { ClipModel } from './diffusion-types';
import { recordingContext, type TinyWorkspace, tinyWorkspace } from './test-support';

let ws: TinyWorkspace;
let clip: ClipModel;

beforeAll(async () => {
  ws = await tinyWorkspace();
  const out = await CheckpointLoaderSimple.run(recordingContext(ws.env).ctx, { ckpt_name: TINY_SD15_FILE });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  clip = out[1];
});
afterAll(() => ws.dispose());

async function encode(text: string) {
  const out = await CLIPTextEncode.run(recordingContext(ws.env).ctx, { text, clip });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out[0];
}

describe('CLIPTextEncode', () => {
  it('encodes a prompt into one [1, 77, hidden] conditioning entry', async () => {
    const [entry, ...rest] = await encode('a photo of a cat');
    expect(rest).toEqual([]);
    expect(entry!.context.shape).toEqual([1, 77, clip.config.hiddenSize]);
    expect(ws.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('gives different prompts different conditioning', async () => {
    const [a] = await encode('a red apple');
    const [b] = await encode('a blue car');
    expect(Array.from(a!.context.data)).not.toEqual(Array.from(b!.context.data));
  });

  it('warns how many tokens a long prompt loses', async () => {
    const [entry] = await encode(Array.from({ length: 90 }, (_, i) => `word${i % 7}`).join(' '));
    expect(entry!.context.shape[1]).toBe(77);
    expect(ws.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      expect.stringMatching(
        /^CLIPTextEncode: the prompt has \d+ tokens; only the first 75 are used, \d+ were dropped$/,
      ),
    ]);
  });
});
