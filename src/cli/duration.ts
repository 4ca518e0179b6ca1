import { UsageError } from './command.ts';

const units: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "500ms", "15s", "10m", "1h" -> milliseconds; a usage error naming the flag otherwise. */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (match === null) throw new UsageError(`--${flag} must be a duration like 500ms, 15s, 10m or 1h, not "${text}"`);
  return Math.round(Number(match[1]) * (units[match[2] as string] ?? 1));
}
