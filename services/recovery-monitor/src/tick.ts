/**
 * The follow-up checks of events mode fall due on one wall-clock grid shared by
 * every experiment: whole multiples of the follow-up spacing since the epoch.
 * Checks of hundreds of experiments then come due at the same instant and share
 * DescribeAutoScalingGroups calls (100 groups a call), where checks timed from each
 * experiment's own event would fall due a few milliseconds apart and each cost a
 * call. A check waits at most one spacing for its tick.
 */
export function nextTick(nowMs: number, everyMs: number): number {
  return (Math.floor(nowMs / everyMs) + 1) * everyMs;
}
