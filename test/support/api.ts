/**
 * Helpers for integration tests that expect the API server to refuse something: the HTTP status and message of an
 * error, an assertion on one request, and a probe that retries a request (a server-side dry run) until the expected
 * refusal appears, because admission policies and bindings take effect asynchronously.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { eventually } from './cluster.ts';

/** The HTTP status of an API error, or undefined for anything else. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

/** The `message` of the metav1.Status the API server answered with. */
export function statusMessage(error: unknown): string {
  const body = (error as k8s.ApiException<unknown>).body;
  try {
    return String((JSON.parse(String(body)) as { message?: string }).message);
  } catch {
    return String(body);
  }
}

/** Asserts that `request` fails with `status` (and a message matching `pattern`); resolves to the message. */
export async function expectApiError(request: Promise<unknown>, status: number, pattern?: RegExp): Promise<string> {
  try {
    await request;
  } catch (error) {
    assert.equal(statusOf(error), status, `expected HTTP ${status}, got ${String(error)}: ${statusMessage(error)}`);
    const message = statusMessage(error);
    if (pattern !== undefined) assert.match(message, pattern);
    return message;
  }
  assert.fail(`expected HTTP ${status}, but the request succeeded`);
}

/**
 * Repeats `attempt` until it fails with `status` and a message matching `pattern`; resolves to that message. Success
 * or another failure means "not yet" (an admission binding or its parameter has not reached the API server's caches).
 */
export function eventuallyRefused(
  what: string,
  attempt: () => Promise<unknown>,
  status: number,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  return eventually(
    what,
    async () => {
      try {
        await attempt();
      } catch (error) {
        if (statusOf(error) === status && pattern.test(statusMessage(error))) return statusMessage(error);
        throw error; // reported when the wait times out
      }
      throw new Error('the request was admitted');
    },
    timeoutMs,
    100,
  );
}

/** Whether `read` finds the object (false on 404). */
export async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** Whether `message` names `path` as a field path, alone or as the start of a longer one (labels["x"], .requests.cpu). */
export function namesPath(message: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s\\["])${escaped}([.\\[:"]|$)`).test(message);
}
