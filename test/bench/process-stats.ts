/**
 * CPU time and peak resident memory of a running process, read from Linux's
 * /proc (the benchmark machine's): VmHWM is the kernel's own high-water mark of
 * the resident set, so no peak between two samples is missed.
 */
import { readFile } from "node:fs/promises";

export interface ProcessStats {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Peak resident set size so far, bytes. */
  peakRssBytes: number;
  /** Resident set size now, bytes. */
  rssBytes: number;
}

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

export async function readProcessStats(pid: number): Promise<ProcessStats> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, "utf8"),
    readFile(`/proc/${pid}/status`, "utf8"),
  ]);
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return {
    cpuSeconds: (utime + stime) / ticksPerSecond,
    peakRssBytes: kib("VmHWM") * 1024,
    rssBytes: kib("VmRSS") * 1024,
  };
}

export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
