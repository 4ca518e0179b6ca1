/**
 * The operator's structured logger: pino, JSON lines, with secret values redacted wherever they appear in the
 * first few levels of a logged object (Secret/SealedSecret data, tokens, passwords, Authorization headers).
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values never reach a log. */
export const secretFields = ['data', 'stringData', 'encryptedData', 'token', 'password', 'authorization', 'Authorization', 'bearerToken', 'client-key-data', 'clientKey'] as const;

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
    redact: { paths: redactPaths(), censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination === undefined ? pino(options) : pino(options, settings.destination);
}

/** The logger for one reconcile key: every line names the policy. */
export function policyLogger(logger: Logger, policy: string): Logger {
  return logger.child({ policy });
}
