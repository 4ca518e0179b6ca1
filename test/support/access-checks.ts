/**
 * Tables of access checks against the real API server: each check is one request made with some identity's real
 * token, and the layer that answered it (RBAC, an admission policy, Pod Security) is read from the refusal, so a
 * test asserts not only "denied" but "denied by the layer that is supposed to deny it". The table is printed, so a
 * run shows at a glance what each identity can and cannot do.
 */
import assert from 'node:assert/strict';
import { statusMessage, statusOf } from './api.ts';

/** Who answered: the request went through, or which layer refused it. */
export type Outcome = 'allowed' | 'rbac' | `admission:${string}` | 'pod-security' | 'not-found' | 'invalid' | `http-${number}` | 'error';

export interface AccessCheck {
  readonly name: string;
  /** The outcome that passes (any of them, when several layers may legitimately refuse first). */
  readonly expect: Outcome | readonly Outcome[];
  readonly attempt: () => Promise<unknown>;
}

export interface AccessResult {
  readonly check: AccessCheck;
  readonly outcome: Outcome;
  readonly detail: string;
  readonly passed: boolean;
}

/** Reads the layer from an API refusal: RBAC says "cannot", an admission policy names itself, PSA says PodSecurity. */
export function classify(error: unknown): { outcome: Outcome; detail: string } {
  const status = statusOf(error);
  if (status === undefined) return { outcome: 'error', detail: error instanceof Error ? error.message : String(error) };
  const message = statusMessage(error);
  const policy = /ValidatingAdmissionPolicy '([^']+)'/.exec(message);
  if (policy?.[1] !== undefined) return { outcome: `admission:${policy[1]}`, detail: message };
  if (status === 403 && /violates PodSecurity/.test(message)) return { outcome: 'pod-security', detail: message };
  if (status === 403 && /\bcannot\b/.test(message)) return { outcome: 'rbac', detail: message };
  if (status === 404) return { outcome: 'not-found', detail: message };
  if (status === 422) return { outcome: 'invalid', detail: message };
  return { outcome: `http-${status}`, detail: message };
}

export async function runCheck(check: AccessCheck): Promise<AccessResult> {
  let result: { outcome: Outcome; detail: string };
  try {
    await check.attempt();
    result = { outcome: 'allowed', detail: '' };
  } catch (error) {
    result = classify(error);
  }
  const expected: readonly Outcome[] = typeof check.expect === 'string' ? [check.expect] : check.expect;
  return { check, ...result, passed: expected.includes(result.outcome) };
}

/** Runs the checks one after another (they share the API server with other tests: no burst). */
export async function runChecks(checks: readonly AccessCheck[]): Promise<AccessResult[]> {
  const results: AccessResult[] = [];
  for (const check of checks) results.push(await runCheck(check));
  return results;
}

/** The table, one row per check: verdict, expected, actual, name. */
export function formatTable(title: string, results: readonly AccessResult[]): string {
  const expected = (r: AccessResult): string => (typeof r.check.expect === 'string' ? r.check.expect : r.check.expect.join('|'));
  const width = (f: (r: AccessResult) => string, header: string): number => Math.max(header.length, ...results.map((r) => f(r).length));
  const [we, wa] = [width(expected, 'expected'), width((r) => r.outcome, 'actual')];
  const row = (verdict: string, e: string, a: string, name: string): string => `${verdict.padEnd(4)}  ${e.padEnd(we)}  ${a.padEnd(wa)}  ${name}`;
  return [
    `${title}: ${results.filter((r) => r.passed).length}/${results.length} as expected`,
    row('', 'expected', 'actual', 'check'),
    ...results.map((r) => row(r.passed ? 'ok' : 'FAIL', expected(r), r.outcome, r.check.name)),
  ].join('\n');
}

/** Prints the table and fails naming every check whose outcome was not the expected one, with the server's words. */
export function assertTable(title: string, results: readonly AccessResult[]): void {
  process.stdout.write(`\n${formatTable(title, results)}\n`);
  const failures = results.filter((r) => !r.passed).map((r) => `${r.check.name}: ${r.outcome} ${r.detail}`.trim());
  assert.deepEqual(failures, [], `${failures.length} checks did not end as expected`);
}
