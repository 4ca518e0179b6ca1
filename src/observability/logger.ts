/**
 * The operator's structured logger: pino, JSON lines, with secret values redacted in two ways:
 * - by field: the values of secret-bearing fields (Secret/SealedSecret data, tokens, passwords, keys, certificates,
 *   Authorization headers) in the first few levels of a logged object;
 * - by shape, on every finished line: bearer tokens, JSON Web Tokens (every ServiceAccount token is one), PEM blocks
 *   and base64-encoded PEM (kubeconfig certificate and key data), and secret fields inside JSON that an error carries
 *   as text (an API response body, a message quoting a request). Error objects are logged whole (cause chain,
 *   response body), so no list of field names can foresee where a secret ends up; the shapes can.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values never reach a log. */
export const secretFields = [
  'data',
  'stringData',
  'encryptedData',
  'token',
  'password',
  'authorization',
  'Authorization',
  'bearerToken',
  'client-key-data',
  'client-certificate-data',
  'certificate-authority-data',
  'clientKey',
  'privateKey',
  'tls.key',
  'cookie',
  'set-cookie',
  'accessToken',
  'refreshToken',
  'id-token',
] as const;

const censor = '[REDACTED]';

/** Values whose shape gives them away, wherever they sit in a line (inside a string, a message, an error body). */
const secretShapes: readonly RegExp[] = [
  // An Authorization header value: "Bearer <token>", "Basic <credentials>".
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g,
  // A JSON Web Token: ServiceAccount tokens, OIDC ID tokens.
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  // A PEM block (certificate, private key), its newlines escaped as JSON writes them.
  /-----BEGIN [A-Z0-9 ]+-----[^"]*?-----END [A-Z0-9 ]+-----/g,
  // base64 of "-----BEGIN", as kubeconfigs and Secrets carry certificates and keys.
  /LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g,
];

/**
 * Secret fields at any depth of the finished line, beyond the levels the redact paths reach, and inside JSON that is
 * itself carried in a logged string (an error's response body: \"token\":\"...\"): a string value or a flat
 * object value (Secret data) is replaced.
 */
const deepSecretFields = ['data', 'stringData', 'encryptedData', 'token', 'password', 'privateKey', 'client-key-data', 'bearerToken'];
const keys = deepSecretFields.join('|');
const deepFieldShapes: readonly RegExp[] = [
  // "key": "value" | {flat object} in the line itself.
  new RegExp(`("(?:${keys})":)("(?:[^"\\\\]|\\\\.)*"|\\{[^{}]*\\})`, 'g'),
  // \"key\": \"value\" | {flat object} inside a string of the line.
  new RegExp(`(\\\\"(?:${keys})\\\\":\\s*)(\\\\"[^"]*?\\\\"|\\{[^{}]*\\})`, 'g'),
];

/** Redacts secret shapes in one finished JSON line; the line stays valid JSON (the censor is a plain string). */
export function scrubLine(line: string): string {
  let scrubbed = line;
  for (const field of deepFieldShapes) scrubbed = scrubbed.replace(field, (_m, key: string) => `${key}${key.startsWith('"') ? `"${censor}"` : censor}`);
  for (const shape of secretShapes) scrubbed = scrubbed.replace(shape, censor);
  return scrubbed;
}

/** pino redact paths: each secret field at the top level and under up to four levels of objects. */
export function redactPaths(maxDepth = 4): string[] {
  const paths: string[] = [];
  for (const field of secretFields) {
    const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
    for (let depth = 0; depth <= maxDepth; depth++) {
      const prefix = '*.'.repeat(depth);
      paths.push(key.startsWith('[') ? (depth === 0 ? key : `${prefix.slice(0, -1)}${key}`) : `${prefix}${key}`);
    }
  }
  return paths;
}

export interface LoggerSettings {
  readonly level?: LoggerOptions['level'];
  /** Where the JSON lines go (default stdout); tests pass a stream. */
  readonly destination?: DestinationStream;
  /** Static fields on every line, e.g. the pod name. */
  readonly base?: Record<string, unknown>;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { name: 'bulkhead', ...settings.base },
    redact: { paths: redactPaths(), censor },
    hooks: { streamWrite: scrubLine },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination === undefined ? pino(options) : pino(options, settings.destination);
}

/** The logger for one reconcile key: every line names the policy. */
export function policyLogger(logger: Logger, policy: string): Logger {
  return logger.child({ policy });
}
