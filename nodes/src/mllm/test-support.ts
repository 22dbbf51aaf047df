/**
 * @module
 * Test-only helpers of the MLLM pack: a temp data folder holding the tiny SD1.5 checkpoint and the
 * tiny MoMA set (`momaflow models make-tiny`), with its node environment.
 */

import { type TinyWorkspace, tinyWorkspace } from '../diffusion/test-support';
import { makeTinyMoma, type TinyMomaFiles } from '../models/tiny';

/** A tiny workspace with the MoMA set too. */
export interface MllmWorkspace extends TinyWorkspace {
  readonly tiny: TinyMomaFiles;
}

/**
 * @example
 * const ws = await mllmWorkspace();
 * afterAll(() => ws.dispose());
 */
export async function mllmWorkspace(): Promise<MllmWorkspace> {
  const ws = await tinyWorkspace();
  return { ...ws, tiny: await makeTinyMoma({ modelsDir: ws.env.dirs.models }) };
}
