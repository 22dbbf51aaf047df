/**
 * @module
 * zod schemas for `GET /api/object_info` (ComfyUI's shape), parsed once at the edge. Input specs are
 * `[TYPE | options[], config]`; unknown config keys are kept so newer servers still load.
 */
import { zDict } from '@momaflow/engine/protocol';
import { z } from 'zod';

export const zInputSchema = z.tuple([
  z.union([z.string(), z.array(z.string())]),
  zDict(z.unknown()).prefault({}),
]);
export type InputSchema = z.infer<typeof zInputSchema>;

export const zNodeSchema = z.object({
  name: z.string().min(1),
  display_name: z.string().default(''),
  description: z.string().default(''),
  category: z.string().default(''),
  python_module: z.string().default(''),
  /** The node pack the type comes from (absent on servers without packs). */
  momaflow_pack: z
    .object({ id: z.string(), version: z.string(), sandboxed: z.boolean().default(false) })
    .optional(),
  output_node: z.boolean().default(false),
  deprecated: z.boolean().default(false),
  input: z
    .object({
      required: zDict(zInputSchema).prefault({}),
      optional: zDict(zInputSchema).prefault({}),
    })
    .default({ required: {}, optional: {} }),
  input_order: z
    .object({ required: z.array(z.string()).default([]), optional: z.array(z.string()).default([]) })
    .optional(),
  output: z.array(z.string()).default([]),
  output_name: z.array(z.string()).default([]),
  output_is_list: z.array(z.boolean()).default([]),
  output_tooltips: z.array(z.string().nullable()).default([]),
});
export type NodeSchema = z.infer<typeof zNodeSchema>;

export const zObjectInfo = zDict(zNodeSchema);
export type ObjectInfo = z.infer<typeof zObjectInfo>;
