// How much of the machine's CPU time the hypervisor gave to other guests ("steal" in
// /proc/stat) while a benchmark ran. On a shared virtual machine this moves every timing, so
// the benchmarks print it next to their figures.
import { readFileSync } from 'node:fs';

/** The first line of /proc/stat as [steal, total] ticks, or null where there is none (not Linux). */
function cpuTicks() {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is counted in user already)
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return [fields[7] ?? 0, total];
  } catch {
    return null;
  }
}

/** Starts counting; the returned function gives the percentage of CPU time stolen since, or null. */
export function stealMeter() {
  const start = cpuTicks();
  return () => {
    const now = cpuTicks();
    if (!start || !now || now[1] === start[1]) return null;
    return (100 * (now[0] - start[0])) / (now[1] - start[1]);
  };
}
