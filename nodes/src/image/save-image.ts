/**
 * @module
 * The output nodes that write images: SaveImage (numbered PNGs in the output folder) and PreviewImage
 * (throw-away PNGs in the temp folder). Both embed the prompt and the workflow as PNG text, as ComfyUI
 * does, so any result can be dragged back onto the editor to restore the graph that made it.
 */
import { randomInt } from 'node:crypto';
import { type CustomValidationProblem, defineNode, dict, Input, type PromptSource } from '@momaflow/engine';
import { safeSegments } from './confined-path';
import { saveImages } from './save-images';
import { requireImage } from './tensor-checks';

const PREVIEW_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** The PNG text ComfyUI writes: `prompt` and `workflow`, each as JSON. */
function sourceText(source: PromptSource): Record<string, string> {
  const text = dict<string>();
  if (source.prompt !== undefined) text.prompt = JSON.stringify(source.prompt);
  if (source.workflow !== undefined) text.workflow = JSON.stringify(source.workflow);
  return text;
}

function checkPrefix(prefix: string | undefined): CustomValidationProblem[] {
  if (prefix === undefined) return []; // driven by a link: checked when the node runs
  const label = "input 'filename_prefix'";
  try {
    if (safeSegments(prefix, label).length === 0)
      return [{ input: 'filename_prefix', message: `${label} is empty` }];
  } catch (err) {
    return [{ input: 'filename_prefix', message: err instanceof Error ? err.message : String(err) }];
  }
  return [];
}

/** ComfyUI's SaveImage: numbered PNGs in the output folder, prompt and workflow embedded. */
export const SaveImage = defineNode({
  type: 'SaveImage',
  displayName: 'Save Image',
  category: 'image',
  description:
    'Saves the images to the output folder as PNG files named <prefix>_<counter>_.png, with the prompt and workflow embedded so the file restores the graph.',
  output: true,
  concurrent: true,
  inputs: {
    images: Input.link('IMAGE', {
      tooltip: 'The images to save (every image of the batch gets its own file).',
    }),
    filename_prefix: Input.string({
      default: 'momaflow',
      tooltip:
        "The file name prefix. It may include subfolders ('portraits/cat'), which are created inside the output folder.",
    }),
  },
  outputs: [],
  validate: ({ values }) => checkPrefix(values.filename_prefix),
  run: async (ctx, { images, filename_prefix }) => {
    const refs = await saveImages({
      images: requireImage(images, "SaveImage input 'images'"),
      root: ctx.env.dirs.output,
      prefix: filename_prefix,
      type: 'output',
      text: sourceText(ctx.source),
      compressionLevel: 4,
      label: "SaveImage input 'filename_prefix'",
      signal: ctx.signal,
    });
    return { outputs: [], ui: { images: refs } };
  },
});

/** ComfyUI's PreviewImage: PNGs in the temp folder under a random prefix, fast compression. */
export const PreviewImage = defineNode({
  type: 'PreviewImage',
  displayName: 'Preview Image',
  category: 'image',
  description:
    'Shows the images in the editor. They are written to the temp folder, which may be emptied at any time.',
  output: true,
  concurrent: true,
  inputs: {
    images: Input.link('IMAGE', { tooltip: 'The images to preview.' }),
  },
  outputs: [],
  run: async (ctx, { images }) => {
    // A random prefix per run, as ComfyUI does, so a browser never shows a stale cached preview.
    const suffix = Array.from({ length: 5 }, () => PREVIEW_LETTERS[randomInt(PREVIEW_LETTERS.length)]).join(
      '',
    );
    const refs = await saveImages({
      images: requireImage(images, "PreviewImage input 'images'"),
      root: ctx.env.dirs.temp,
      prefix: `momaflow_temp_${suffix}`,
      type: 'temp',
      text: sourceText(ctx.source),
      // Previews are written often and thrown away: favour speed over size.
      compressionLevel: 1,
      label: 'PreviewImage',
      signal: ctx.signal,
    });
    return { outputs: [], ui: { images: refs } };
  },
});
