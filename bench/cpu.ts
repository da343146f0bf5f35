import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
let ticksPerSecond: number | undefined;

function ticks(): number {
  if (ticksPerSecond === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (!Number.isFinite(value) || value <= 0) throw new Error(`getconf CLK_TCK answered ${value}`);
    ticksPerSecond = value;
  }
  return ticksPerSecond;
}

/**
 * CPU a process has used so far (user + system, every thread), in µs, from /proc/<pid>/stat.
 * Resolution is one clock tick (10 ms at 100 ticks/s): read it around runs of seconds, not calls.
 */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime); field 3 (state) is fields[0].
  const used = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(used)) throw new Error(`cannot read the CPU times of process ${pid}`);
  return (used / ticks()) * 1_000_000;
}
