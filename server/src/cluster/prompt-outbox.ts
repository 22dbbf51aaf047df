/**
 * @module
 * A running prompt's events on their way to the server, in order: each is sent after the one before
 * it, and an `executed` event waits until the files it names are uploaded (and renamed to where the
 * server keeps them), so a client never sees a file before `/api/view` can serve it. The executor is
 * never held up; `drain()` waits for the rest before the job completes.
 */
import type { ExecutionEvent, FileRef, UiOutput } from '@momaflow/engine';
import { errorMessage } from '@momaflow/engine';
import { fileKey, producedFiles, renameFiles } from './file-refs';

export interface PromptOutbox {
  push(event: ExecutionEvent): void;
  /** Resolves when every pushed event is sent (or failed). */
  drain(): Promise<void>;
  /** The first failure, if an event could not be sent. */
  failure(): string | undefined;
}

export interface OutboxDeps {
  readonly send: (event: ExecutionEvent) => Promise<void>;
  /** Stores a produced file on the server; undefined when the server shares this worker's folders. */
  readonly upload: ((ref: FileRef) => Promise<FileRef>) | undefined;
  /** Where each local file went, shared by the worker's prompts: a cached output is not sent again. */
  readonly uploaded: Map<string, FileRef>;
}

/** Uploads the files `output` names (once each) and returns it naming the server's copies. */
export async function uploadOutputs(output: UiOutput, deps: OutboxDeps): Promise<UiOutput> {
  const { upload, uploaded } = deps;
  if (!upload) return output;
  for (const ref of producedFiles(output)) {
    const key = fileKey(ref);
    if (!uploaded.has(key)) uploaded.set(key, await upload(ref));
  }
  return renameFiles(output, (ref) => uploaded.get(fileKey(ref)) ?? ref);
}

/**
 * @example
 * const outbox = createPromptOutbox({ send, upload, uploaded });
 * await executor.execute(prompt, { emit: (event) => outbox.push(event) });
 * await outbox.drain();
 */
export function createPromptOutbox(deps: OutboxDeps): PromptOutbox {
  let tail: Promise<void> = Promise.resolve();
  let failed: string | undefined;
  const forward = async (event: ExecutionEvent) => {
    const sent =
      event.type === 'executed' ? { ...event, output: await uploadOutputs(event.output, deps) } : event;
    await deps.send(sent);
  };
  return {
    push(event) {
      tail = tail
        .then(() => forward(event))
        .catch((err: unknown) => {
          failed ??= errorMessage(err);
        });
    },
    drain: () => tail,
    failure: () => failed,
  };
}
