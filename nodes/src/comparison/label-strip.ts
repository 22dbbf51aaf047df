/**
 * @module
 * A caption rendered as pixels: one line of text centred on a strip, drawn by sharp from SVG with the
 * system's sans-serif font (librsvg through fontconfig). Returns how much ink the text left, so the
 * caller can say so when a machine has no font to draw with.
 */
import sharp from 'sharp';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** A strip [height, width, 3] in 0..1, and the share of its pixels the text darkened. */
export interface LabelStrip {
  readonly pixels: Float32Array;
  readonly ink: number;
}

/**
 * @example
 * const { pixels, ink } = await labelStrip('MoMA', { width: 512, height: 32 });
 */
export async function labelStrip(
  text: string,
  o: { readonly width: number; readonly height: number },
): Promise<LabelStrip> {
  const escaped = text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
  const size = Math.max(8, Math.round(o.height * 0.55));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}"><rect width="100%" height="100%" fill="white"/><text x="50%" y="50%" dominant-baseline="central" text-anchor="middle" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${size}" fill="black">${escaped}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = new Float32Array(o.width * o.height * 3);
  let dark = 0;
  for (let i = 0; i < o.width * o.height; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 3 + c] = (data[i * info.channels + c] ?? 255) / 255;
    if ((data[i * info.channels] ?? 255) < 128) dark++;
  }
  return { pixels, ink: dark / (o.width * o.height) };
}
