/**
 * Timers in simulated time. Each timer belongs to a scope (a group name) so deleting a
 * group cancels what it had pending. Timers are unref'd: a forgotten simulator never
 * keeps the process alive.
 */
export interface Scheduler {
  after(scope: string, simulatedMs: number, run: () => void): void;
  cancel(scope: string): void;
  close(): void;
}

export interface SchedulerOptions {
  timeScale: number;
  onError: (err: unknown) => void;
}

export function createScheduler({ timeScale, onError }: SchedulerOptions): Scheduler {
  const scopes = new Map<string, Set<NodeJS.Timeout>>();
  let closed = false;

  return {
    after(scope, simulatedMs, run) {
      if (closed) return;
      const timers = scopes.get(scope) ?? new Set();
      scopes.set(scope, timers);
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          try {
            run();
          } catch (err) {
            onError(err);
          }
        },
        Math.max(0, simulatedMs * timeScale),
      );
      timer.unref();
      timers.add(timer);
    },
    cancel(scope) {
      for (const timer of scopes.get(scope) ?? []) clearTimeout(timer);
      scopes.delete(scope);
    },
    close() {
      closed = true;
      for (const scope of [...scopes.keys()]) this.cancel(scope);
    },
  };
}
