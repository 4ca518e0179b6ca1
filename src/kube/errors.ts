/**
 * Typed API errors. client-node 2.x throws `ApiException` with `code` (HTTP status), `body` (the response body,
 * usually the metav1.Status as a JSON string) and `headers`; network failures are plain errors. `toKubeApiError`
 * turns either into a `KubeApiError` that says which request failed and how the caller should react.
 */
import { ApiException } from '@kubernetes/client-node';

/** What the caller should do about an error; see `categoryOf`. */
export type KubeErrorCategory =
  | 'NotFound' // 404: the object is gone; usually fine for deletes and reads of optional objects
  | 'AlreadyExists' // 409 with reason AlreadyExists
  | 'Conflict' // 409: stale resourceVersion, failed precondition, or a field-manager conflict
  | 'Invalid' // 422: the object is invalid; see `causes` for the field paths; retrying will not help
  | 'BadRequest' // 400
  | 'Unauthorized' // 401
  | 'Forbidden' // 403: RBAC (may be transient right after our own binding, see pitfalls.md)
  | 'Gone' // 410: resourceVersion too old; relist
  | 'TooManyRequests' // 429: back off for `retryAfterSeconds`
  | 'Transient' // 5xx, timeouts and network errors: retry with backoff
  | 'Unknown';

export interface KubeRequest {
  /** The API verb: get, list, watch, create, patch, apply, update, delete. */
  readonly verb: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
}

export interface StatusCause {
  /** The field path, e.g. "spec.egress[0].ports[0].port"; empty when the server gave none. */
  readonly field: string;
  readonly reason: string;
  readonly message: string;
}

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly verb: string;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly objectName: string | undefined;
  /** HTTP status; 0 when no response arrived. */
  readonly statusCode: number;
  /** The metav1.Status reason (e.g. "NotFound", "Invalid"), or "" without one. */
  readonly reason: string;
  readonly category: KubeErrorCategory;
  /** The server's message, without the request context that `message` adds. */
  readonly serverMessage: string;
  readonly causes: readonly StatusCause[];
  /** From the Retry-After header or Status details, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    request: KubeRequest,
    details: {
      statusCode: number;
      reason: string;
      serverMessage: string;
      causes?: readonly StatusCause[];
      retryAfterSeconds?: number | undefined;
      cause?: unknown;
    },
  ) {
    const target = [request.namespace, request.name].filter((p) => p !== undefined && p !== '').join('/');
    const status = details.statusCode === 0 ? 'no response' : `${details.statusCode} ${details.reason}`.trim();
    super(`${request.verb} ${request.kind}${target ? ` ${target}` : ''}: ${status}: ${details.serverMessage}`, {
      cause: details.cause,
    });
    this.verb = request.verb;
    this.kind = request.kind;
    this.namespace = request.namespace;
    this.objectName = request.name;
    this.statusCode = details.statusCode;
    this.reason = details.reason;
    this.serverMessage = details.serverMessage;
    this.causes = details.causes ?? [];
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.category = categoryOf(details.statusCode, details.reason);
  }

  /** Whether retrying the same request later may succeed. */
  get retryable(): boolean {
    return ['Conflict', 'Forbidden', 'Gone', 'TooManyRequests', 'Transient', 'Unauthorized'].includes(this.category);
  }
}

export function categoryOf(statusCode: number, reason: string): KubeErrorCategory {
  if (statusCode === 0) return 'Transient';
  switch (statusCode) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
    case 410:
      return 'Gone';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 408:
    case 504:
      return 'Transient';
    default:
      return statusCode >= 500 ? 'Transient' : 'Unknown';
  }
}

/** Wrap whatever an API call threw; a `KubeApiError` passes through unchanged. */
export function toKubeApiError(error: unknown, request: KubeRequest): KubeApiError {
  if (error instanceof KubeApiError) return error;
  const code = statusCodeOf(error);
  if (code === undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return new KubeApiError(request, { statusCode: 0, reason: '', serverMessage: message, cause: error });
  }
  const status = parseStatus(error instanceof ApiException ? error.body : (error as { body?: unknown }).body);
  const headers = error instanceof ApiException ? error.headers : undefined;
  const retryAfter = retryAfterOf(headers) ?? status.retryAfterSeconds;
  return new KubeApiError(request, {
    statusCode: code,
    reason: status.reason ?? '',
    serverMessage: status.message ?? (error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)),
    causes: status.causes,
    retryAfterSeconds: retryAfter,
    cause: error,
  });
}

/** Call an API function and rethrow anything as a `KubeApiError` naming the request. */
export async function kubeCall<T>(request: KubeRequest, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toKubeApiError(error, request);
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError ? error.category === 'NotFound' : statusCodeOf(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError ? error.category === 'Conflict' : statusCodeOf(error) === 409;
}

function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = (error as { code?: unknown; statusCode?: unknown }).statusCode ?? (error as { code?: unknown }).code;
  return typeof candidate === 'number' && candidate >= 100 && candidate < 600 ? candidate : undefined;
}

interface ParsedStatus {
  reason?: string;
  message?: string;
  causes: StatusCause[];
  retryAfterSeconds?: number;
}

/** The metav1.Status in an error body (a JSON string in client-node 2.x, sometimes already an object). */
export function parseStatus(body: unknown): ParsedStatus {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      // Not JSON (a proxy's HTML page, say): the text itself is the message.
      return body.trim() === '' ? { causes: [] } : { message: body.trim().slice(0, 500), causes: [] };
    }
  }
  if (typeof value !== 'object' || value === null) return { causes: [] };
  const status = value as {
    reason?: unknown;
    message?: unknown;
    details?: { causes?: unknown; retryAfterSeconds?: unknown };
  };
  const causes = Array.isArray(status.details?.causes)
    ? status.details.causes.map((c: { field?: unknown; reason?: unknown; message?: unknown }) => ({
        field: typeof c.field === 'string' ? c.field : '',
        reason: typeof c.reason === 'string' ? c.reason : '',
        message: typeof c.message === 'string' ? c.message : '',
      }))
    : [];
  return {
    ...(typeof status.reason === 'string' ? { reason: status.reason } : {}),
    ...(typeof status.message === 'string' ? { message: status.message } : {}),
    ...(typeof status.details?.retryAfterSeconds === 'number'
      ? { retryAfterSeconds: status.details.retryAfterSeconds }
      : {}),
    causes,
  };
}

function retryAfterOf(headers: Record<string, string> | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after');
  if (entry === undefined) return undefined;
  const seconds = Number(entry[1]);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(entry[1]);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
