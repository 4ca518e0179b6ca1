/** What Linux says about a process: its CPU time (/proc/<pid>/stat) and its memory (/proc/<pid>/status). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of the stat file's times (100 on almost every Linux, but asked rather than assumed). */
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/**
 * Pure: user + system CPU seconds from the text of /proc/<pid>/stat. The command name (field 2) is in parentheses and
 * may hold spaces, so fields are counted after its closing parenthesis: utime and stime are fields 14 and 15.
 */
export function cpuSecondsFromStat(stat: string, ticks: number): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / ticks;
}

/** CPU seconds a process has used so far (its threads included). */
export function processCpuSeconds(pid: number): number {
  return cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicks());
}

export interface ProcessMemory {
  /** Resident set size now, bytes. */
  readonly rss: number;
  /** The highest RSS so far (VmHWM), bytes. */
  readonly peakRss: number;
}

/** Pure: VmRSS and VmHWM (kB in the file) from the text of /proc/<pid>/status. */
export function memoryFromStatus(status: string): ProcessMemory {
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}

export function processMemory(pid: number): ProcessMemory {
  return memoryFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** The 1-minute load average: the machine is shared, and every figure is read against it. */
export function loadAverage(): number {
  return loadavg()[0] ?? Number.NaN;
}
