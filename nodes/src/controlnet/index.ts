/**
 * @module
 * The ControlNet node pack (ComfyUI's names): ControlNetLoader, Apply ControlNet (advanced and
 * legacy), the hint preprocessors Canny and ScribbleXDoG; the CONTROL_NET socket value and the
 * control attached to CONDITIONING; and the per-run ControlNet evaluation the sampler calls.
 */
export { applyControl, ControlNetApply, ControlNetApplyAdvanced } from './apply-controlnet';
export type { ControlCall, ControlResidualSource, ControlRun, ControlRunOptions } from './control-run';
export { startControlRun } from './control-run';
export type { ControlApplication, ControlNetHandle, ControlSettings } from './control-types';
export type { ControlWindow } from './control-window';
export { controlWindow, isInWindow, percentToSigma } from './control-window';
export { controlNetGraph } from './controlnet-graphs';
export { ControlNetLoader, loadControlNetHandle } from './controlnet-loader';
export { CONTROLNET_NODES } from './controlnet-nodes';
export { cannyEdges } from './hint-preprocessors/canny';
export type { Plane } from './hint-preprocessors/planes';
export { gaussianBlur, grayPlane, planesToImage } from './hint-preprocessors/planes';
export { Canny, ScribbleXDoG } from './hint-preprocessors/preprocessor-nodes';
export { scribbleXdog } from './hint-preprocessors/scribble-xdog';
export { CONTROLNET_EXTENSIONS, listControlNets } from './list-controlnets';
export { withUncondControl } from './uncond-control';
