/**
 * @module
 * The tiny model's UNet layout and text-encoder config, parsed from the same yaml the maker writes, so
 * files made for it (LoRAs, embeddings, adapters) take their shapes from the model itself.
 */
import { type ClipTextConfig, clipTextConfigFromLdmYaml } from '../clip-text';
import { parseLdmYaml } from '../ldm-config';
import { type UnetLayout, unetConfigFromLdmYaml, unetLayout } from '../unet';
import { type LdmCheckpointShape, ldmYamlText, TINY_SD15_SHAPE } from './tiny-sd15-config';

/** The parts of a model that files for it are shaped by. */
export interface SdModelShapes {
  readonly unet: UnetLayout;
  readonly clip: ClipTextConfig;
}

/**
 * @example
 * const { unet, clip } = sdModelShapes(TINY_SD15_SHAPE);
 */
export function sdModelShapes(shape: LdmCheckpointShape = TINY_SD15_SHAPE): SdModelShapes {
  const yaml = parseLdmYaml(ldmYamlText(shape), 'momaflow-tiny-sd15.yaml');
  return { unet: unetLayout(unetConfigFromLdmYaml(yaml)), clip: clipTextConfigFromLdmYaml(yaml) };
}
