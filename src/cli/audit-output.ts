/**
 * `bulkhead audit` output: a readable section per policy (table), or one JSON document for tools. Every line that
 * weakens the envelope starts with "!" in the table and has verdict "widening" in JSON, naming the object.
 */
import type { Finding } from '../audit/finding.ts';
import type { GrantView } from '../audit/network.ts';
import { describeRef } from '../audit/objects.ts';
import type { PolicyAudit } from '../audit/report.ts';

export interface InvalidPolicy {
  readonly policy: string;
  readonly problems: readonly string[];
}

export interface AuditRun {
  readonly audits: readonly PolicyAudit[];
  readonly invalid: readonly InvalidPolicy[];
  readonly accessReviews: number;
  readonly seconds: number;
}

/** Every line starts with a two-column marker: "! " for a widening, blank otherwise; then the indented text. */
const line = (widened: boolean, indent: number, text: string): string => `${widened ? '! ' : '  '}${' '.repeat(indent)}${text}`;

function grantLines(direction: string, view: PolicyAudit['network']['egress']): string[] {
  const label = direction.padEnd(8);
  const lines: string[] = [];
  const next = (): string => (lines.length === 0 ? label : ' '.repeat(8));
  if (!view.isolated) lines.push(line(true, 2, `${next()} anything, for pods no ${direction === 'egress' ? 'Egress' : 'Ingress'} NetworkPolicy selects`));
  for (const g of view.grants) {
    lines.push(line(g.verdict === 'widening', 2, `${next()} ${g.text}  [${describeRef(g.grant.policy)} rule ${g.grant.rule + 1}]`));
  }
  if (lines.length === 0) lines.push(line(false, 2, `${label} none`));
  return lines;
}

const findingLine = (f: Finding): string => line(f.verdict === 'widening', 2, `${f.verdict === 'widening' ? `${f.reason}: ` : ''}${f.message}`);

function section(audit: PolicyAudit): string[] {
  const state = audit.widenings === 0 ? 'isolated as its policy says' : `WEAKENED: ${audit.widenings} widening${audit.widenings === 1 ? '' : 's'}`;
  const lines = [`AgentPolicy ${audit.policy} (namespace ${audit.namespace}): ${state}`, line(false, 0, 'network')];
  lines.push(...grantLines('egress', audit.network.egress), ...grantLines('ingress', audit.network.ingress));
  if (audit.query !== undefined) {
    const q = audit.query;
    const widened = q.allowed && q.by.some((g: GrantView) => g.verdict === 'widening');
    lines.push(line(widened, 2, `query    may ${audit.policy} reach ${q.query}? ${q.allowed ? 'yes' : 'no'}: ${q.because}`));
  }
  lines.push(line(false, 0, `identity (${describeRef(audit.identity.serviceAccount)})`));
  for (const b of audit.identity.bindings) {
    const what = b.verdict === 'widening' ? 'FOREIGN' : b.reason === 'KubernetesDefault' ? 'Kubernetes default' : 'expected';
    lines.push(line(b.verdict === 'widening', 2, `${describeRef(b.binding)}: ${describeRef(b.role)} ${b.scope}, via ${b.via} (${what})`));
    if (b.verdict === 'widening') {
      for (const rule of b.rules ?? ['(the role does not exist yet)']) lines.push(line(false, 6, rule));
    }
  }
  const asked = audit.identity.access.some((r) => r.allowed !== undefined);
  lines.push(line(false, 2, `sensitive actions (${asked ? 'SubjectAccessReview' : 'not asked'})`));
  for (const row of audit.identity.access) {
    const answer = row.allowed === undefined ? (row.expected ? 'expected' : '-') : row.allowed ? 'ALLOWED' : 'denied';
    const widened = row.allowed === true && !row.expected;
    const by = widened && row.grantedBy !== undefined ? `  (by ${describeRef(row.grantedBy)})` : '';
    lines.push(line(widened, 4, `${answer.padEnd(8)} ${row.action}${by}`));
  }
  lines.push(line(false, 0, 'runtime'), ...audit.runtime.map(findingLine));
  lines.push(line(false, 0, 'secrets'), ...(audit.secrets.length === 0 ? [line(false, 2, 'none')] : audit.secrets.map(findingLine)));
  return lines;
}

export function auditTable(run: AuditRun): string {
  const blocks = run.audits.map((a) => section(a).join('\n'));
  for (const bad of run.invalid) blocks.push(`AgentPolicy ${bad.policy}: cannot audit, the spec is invalid\n${bad.problems.map((p) => `  ${p}`).join('\n')}`);
  const weakened = run.audits.filter((a) => a.widenings > 0).length;
  const total = run.audits.length + run.invalid.length;
  blocks.push(
    `${total} ${total === 1 ? 'policy' : 'policies'} audited: ${weakened} weakened, ${run.invalid.length} invalid ` +
      `(${run.accessReviews} SubjectAccessReviews, ${run.seconds.toFixed(2)} s)`,
  );
  return `${blocks.join('\n\n')}\n`;
}

const grantJson = (g: GrantView) => ({ text: g.text, verdict: g.verdict, networkPolicy: g.grant.policy, rule: g.grant.rule + 1 });

export function auditJson(run: AuditRun): string {
  const policies = run.audits.map((a) => ({
    policy: a.policy,
    namespace: a.namespace,
    weakened: a.widenings > 0,
    widenings: a.widenings,
    network: {
      summary: a.network.summary,
      egress: { isolated: a.network.egress.isolated, grants: a.network.egress.grants.map(grantJson) },
      ingress: { isolated: a.network.ingress.isolated, grants: a.network.ingress.grants.map(grantJson) },
      ...(a.query === undefined ? {} : { query: { ...a.query, by: a.query.by.map(grantJson) } }),
    },
    identity: { serviceAccount: a.identity.serviceAccount, bindings: a.identity.bindings, access: a.identity.access },
    runtime: a.runtime,
    secrets: a.secrets,
    findings: a.findings,
  }));
  const document = {
    policies,
    invalid: run.invalid,
    summary: {
      policies: run.audits.length + run.invalid.length,
      weakened: run.audits.filter((a) => a.widenings > 0).length,
      invalid: run.invalid.length,
      accessReviews: run.accessReviews,
      seconds: Number(run.seconds.toFixed(3)),
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
