import type { Firing } from "./firing.ts";

/** The stand-in's control API (`/_sim/`), for tests and the curious. */
export function createSchedulerSimControl(url: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/_sim/${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T & { Message?: string };
    if (!response.ok)
      throw new Error(`${method} /_sim/${path}: ${json.Message ?? response.status}`);
    return json;
  };
  return {
    /** Fires one slot of a schedule now (as the Scheduler would at that slot, or on a retry). */
    fire: (group: string, name: string, slot: string) =>
      call<Firing>(
        "POST",
        `schedules/${encodeURIComponent(group)}/${encodeURIComponent(name)}/fire`,
        { slot },
      ),
    /** Moves the clock forward, firing every slot it passes; returns what it fired. */
    advance: (seconds: number) =>
      call<{ now: string; fired: Firing[] }>("POST", "clock/advance", { seconds }),
    now: async () => new Date((await call<{ now: string }>("GET", "clock")).now),
    fired: async () => (await call<{ fired: Firing[] }>("GET", "fired")).fired,
  };
}
export type SchedulerSimControl = ReturnType<typeof createSchedulerSimControl>;
