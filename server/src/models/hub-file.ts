/**
 * @module
 * A file in a Hugging Face-compatible hub: `<owner>/<repo>/<path in repo>[@revision]`, and the URL
 * that serves it (`<endpoint>/<owner>/<repo>/resolve/<revision>/<path>`).
 */
import { EngineError } from '@momaflow/engine';

export interface HubFile {
  /** `owner/name`. */
  readonly repo: string;
  /** The path inside the repository, e.g. `vae/diffusion_pytorch_model.safetensors`. */
  readonly file: string;
  /** Branch, tag or commit (default `main`). */
  readonly revision: string;
}

const SEGMENT = /^[A-Za-z0-9][\w.-]*$/;

/**
 * @example
 * parseHubFile('stabilityai/sd-vae-ft-mse-original/vae-ft-mse-840000-ema-pruned.safetensors');
 * // { repo: 'stabilityai/sd-vae-ft-mse-original', file: 'vae-ft-mse-840000-ema-pruned.safetensors', revision: 'main' }
 */
export function parseHubFile(spec: string): HubFile {
  const at = spec.lastIndexOf('@');
  const [path, revision] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, 'main'];
  const parts = path.split('/');
  if (parts.length < 3 || !parts.every((p) => SEGMENT.test(p)) || !SEGMENT.test(revision)) {
    throw new EngineError(
      'model_spec_invalid',
      `'${spec}' is neither a known model name nor <owner>/<repo>/<file>[@revision] (for example stabilityai/sd-vae-ft-mse-original/vae-ft-mse-840000-ema-pruned.safetensors)`,
    );
  }
  return { repo: parts.slice(0, 2).join('/'), file: parts.slice(2).join('/'), revision };
}

/** The download URL of a hub file. */
export function hubFileUrl(endpoint: string, hub: HubFile): string {
  const encoded = hub.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/+$/, '')}/${hub.repo}/resolve/${encodeURIComponent(hub.revision)}/${encoded}`;
}
