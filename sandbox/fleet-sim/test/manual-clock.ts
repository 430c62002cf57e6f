import type { Scheduler } from "../src/scheduler.ts";

/** Simulated time under the test's control: timers run when the clock is advanced past them. */
export function manualClock() {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const start = now;
  let timers: { at: number; run: () => void; scope: string }[] = [];
  const scheduler: Scheduler = {
    after: (scope, ms, run) => void timers.push({ at: now + ms, run, scope }),
    cancel: (scope) => void (timers = timers.filter((t) => t.scope !== scope)),
    close: () => void (timers = []),
  };
  return {
    now: () => now,
    elapsed: () => now - start,
    scheduler,
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const next = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers.splice(timers.indexOf(next), 1);
        now = next.at;
        next.run();
      }
      now = until;
    },
  };
}
