/**
 * @module
 * Socket colours by type, so a link's type reads at a glance (ComfyUI's palette for the common
 * types); unknown types get a stable colour from their name.
 */

const KNOWN = {
  IMAGE: '#64b5f6',
  MASK: '#81c784',
  LATENT: '#ff9cf9',
  MODEL: '#b39ddb',
  CLIP: '#ffd500',
  VAE: '#ff6e6e',
  CONDITIONING: '#ffa931',
  CONTROL_NET: '#00d78d',
  CLIP_VISION: '#a8dadc',
  MLLM: '#ffb4a2',
  MOMA_ADAPTER: '#f4a261',
  SEGMENTER: '#2ec4b6',
  INT: '#7ec8e3',
  FLOAT: '#a1cfa5',
  STRING: '#c5e1a5',
  BOOLEAN: '#e0e0e0',
  COMBO: '#cfd8dc',
  '*': '#bdbdbd',
} as const satisfies Record<string, string>;

/**
 * @example
 * socketColor('IMAGE') // '#64b5f6'
 */
export function socketColor(type: string): string {
  if (Object.hasOwn(KNOWN, type)) return KNOWN[type as keyof typeof KNOWN];
  let hash = 0;
  for (let i = 0; i < type.length; i++) hash = (hash * 31 + type.charCodeAt(i)) | 0;
  return `hsl(${Math.abs(hash) % 360} 60% 65%)`;
}
