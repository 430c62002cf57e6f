/**
 * One read serves every caller within `windowMs` of its start, in flight or
 * answered; a failed read serves no one after it (the next caller reads again).
 * The producer reads the kill switch so, and the terminator screens its orders
 * so: a burst of a thousand requests costs a read per window, not a thousand,
 * and a halt is seen within a window. The terminator still reads it right before
 * each terminate call, by a read begun after the call was ready, so a halt seen by
 * neither yet still terminates nothing. A window of 0 reads for every caller.
 */
export function shareRecentRead<T>(
  read: () => Promise<T>,
  windowMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (last && at - last.at < windowMs) return last.value;
    const current = { at, value: read() };
    last = current;
    current.value.catch(() => {
      if (last === current) last = undefined;
    });
    return current.value;
  };
}
