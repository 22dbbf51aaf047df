/**
 * @module
 * Builders for checkpoint shape tables (key -> tensor shape) shared by the UNet and VAE tables.
 */
export type Shapes = Map<string, readonly number[]>;

/** A GroupNorm/LayerNorm: per-channel weight and bias. */
export function norm(out: Shapes, key: string, channels: number): void {
  out.set(`${key}.weight`, [channels]);
  out.set(`${key}.bias`, [channels]);
}

/** A square-kernel Conv2d with bias. */
export function conv(out: Shapes, key: string, cout: number, cin: number, kernel: number): void {
  out.set(`${key}.weight`, [cout, cin, kernel, kernel]);
  out.set(`${key}.bias`, [cout]);
}
