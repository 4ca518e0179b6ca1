/**
 * Deadlines and cancellation for every API request (watches excepted: informers stop them). A hung request must not
 * hold a reconcile, a drain or a lease renewal forever: each request gets a deadline, the client's own signal
 * (aborted when the operator stops or loses leadership), and, for one call, the signal of `withSignal` (leader
 * election aborts a renewal at its renew deadline, so a renewal it gave up on cannot still land).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const callSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `call` with `signal` added to every API request it makes. */
export function withSignal<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  return callSignal.run(signal, call);
}

/** The signal one request is sent with: its deadline, the client's lifetime, and the caller's. */
export function requestSignal(timeoutMs: number, clientSignal: AbortSignal | undefined, existing: AbortSignal | undefined): AbortSignal {
  const signals = [AbortSignal.timeout(timeoutMs), clientSignal, existing, callSignal.getStore()].filter(
    (s): s is AbortSignal => s !== undefined,
  );
  return AbortSignal.any(signals);
}
