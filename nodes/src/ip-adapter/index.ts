/**
 * @module
 * IP-Adapter nodes: IPAdapterLoader (adapter + vision tower) and IPAdapterEncode (images to
 * IMAGE_PROMPT); ImagePromptAttention (attention/) applies the tokens to the UNet.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { IPAdapterEncode } from './ip-adapter-encode';
import { IPAdapterLoader } from './ip-adapter-loader';

export { IPAdapterEncode } from './ip-adapter-encode';
export { IPAdapterLoader } from './ip-adapter-loader';
export type { IpAdapterHandle } from './ip-adapter-types';

/** The IP-Adapter pack. */
export const IP_ADAPTER_NODES: readonly AnyNodeDefinition[] = [IPAdapterLoader, IPAdapterEncode];
