/**
 * @module
 * Placement decisions, as pure functions of the workers' adverts: why nobody can run a prompt (shown
 * in the queue listing), and whether a worker about to start a prompt should leave it to a free
 * worker that already has its models loaded.
 */
import { missingRequirements, type PromptRequirements, requirementKey } from './prompt-requirements';
import { hasFreeSlot, isLive, type WorkerAdvert } from './worker-advert';

/** The model keys of a prompt (`<classType>.<input>=<value>`), as adverts list them in `warm`. */
export function modelKeys(requires: PromptRequirements): string[] {
  return requires.files.map((file) => `${requirementKey(file)}=${file.value}`);
}

/**
 * Why no live worker can take the prompt, or undefined when one can.
 * @example
 * const reason = waitingReason(requires, adverts, Date.now()); // "no live worker has node type 'Foo' ..."
 */
export function waitingReason(
  requires: PromptRequirements,
  adverts: readonly WorkerAdvert[],
  now: number,
): string | undefined {
  const live = adverts.filter((advert) => isLive(advert, now));
  if (live.length === 0) return 'no worker is connected';
  const lacking: string[] = [];
  for (const advert of live) {
    const missing = missingRequirements(requires, advert.capabilities);
    if (missing.length === 0) return undefined;
    lacking.push(`${advert.id} lacks ${missing.join(', ')}`);
  }
  return `no connected worker can run it: ${lacking.join('; ')}`;
}

/**
 * The worker `self` should leave the prompt to: a live one with a free slot that can run it and has
 * all its models loaded, when `self` lacks one of them. Undefined: run it here.
 */
export function preferredWorker(options: {
  readonly requires: PromptRequirements;
  readonly self: WorkerAdvert;
  readonly adverts: readonly WorkerAdvert[];
  readonly now: number;
}): WorkerAdvert | undefined {
  const keys = modelKeys(options.requires);
  const hasAll = (advert: WorkerAdvert) => keys.every((key) => advert.warm.includes(key));
  if (keys.length === 0 || hasAll(options.self)) return undefined;
  return options.adverts.find(
    (advert) =>
      advert.id !== options.self.id &&
      isLive(advert, options.now) &&
      hasFreeSlot(advert) &&
      hasAll(advert) &&
      missingRequirements(options.requires, advert.capabilities).length === 0,
  );
}
