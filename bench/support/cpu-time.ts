import { readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel build). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, every thread) a process has used so far, from /proc/PID/stat; NaN where /proc is not
 * there. On a shared machine this is the figure that other work disturbs least: a request costs the same CPU
 * whether or not the scheduler made it wait.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The machine's CPU counters from /proc/stat's first line: [total, idle, steal] ticks; NaNs where /proc is not there. */
export function machineTicks(): [number, number, number] {
  try {
    const f = readFileSync('/proc/stat', 'latin1').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return [f.reduce((a, b) => a + b, 0), f[3]! + f[4]!, f[7] ?? 0];
  } catch {
    return [Number.NaN, Number.NaN, Number.NaN];
  }
}

/**
 * Over an interval, the share of the machine's CPU time that was idle and that the hypervisor gave to other guests
 * (steal): on a virtual machine, steal is what makes the same run's wall-clock figures move between rounds.
 */
export function machineShares(
  before: [number, number, number],
  after: [number, number, number],
): { idle: number; steal: number } {
  const total = after[0] - before[0];
  return { idle: (after[1] - before[1]) / total, steal: (after[2] - before[2]) / total };
}
