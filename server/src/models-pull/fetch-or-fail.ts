/**
 * @module
 * `fetch` with the failures a user can act on turned into one clear `download_failed` error: no
 * network or no such host, a refused connection, an HTTP error status.
 */
import { EngineError, errorMessage } from '@momaflow/engine';

/** The innermost cause's code (`ECONNREFUSED`, `ENOTFOUND`...) or message of a fetch failure. */
function rootCause(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  if (cause instanceof Error) {
    const code = Reflect.get(cause, 'code');
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return errorMessage(cause);
}

/**
 * @throws EngineError `download_failed` naming `what` and `url`.
 * @example
 * const response = await fetchOrFail(url, 'the IS-Net model package');
 */
export async function fetchOrFail(url: string, what: string, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    throw new EngineError(
      'download_failed',
      `cannot download ${what} from ${url} (${rootCause(err)}); check the network, or pass --registry with a reachable npm registry`,
      { url },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new EngineError(
      'download_failed',
      `cannot download ${what}: ${url} answered HTTP ${response.status}`,
      {
        url,
        status: response.status,
      },
    );
  }
  return response;
}
