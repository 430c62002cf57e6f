import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "pino";
import { z } from "zod";
import { createFiring, createSimClock, type SimClock } from "./firing.ts";
import {
  SchedulerApiError,
  createStore,
  scheduleBodySchema,
  type StoredSchedule,
} from "./store.ts";

/**
 * EventBridge Scheduler's REST JSON API for the calls macaque makes (schedules and
 * schedule groups: create, get, update, delete, list), shaped as the
 * `@aws-sdk/client-scheduler` serializers expect (timestamps as epoch seconds,
 * errors named in `x-amzn-ErrorType`), plus a control API under `/_sim/` for tests.
 */

export interface SchedulerSimOptions {
  port?: number;
  host?: string;
  /** 0.1: a simulated minute passes in 6 s. Default 1. */
  timeScale?: number;
  /** Where the targets' queues are. */
  sqs: SQSClient;
  region: string;
  logger: Logger;
  /** How often the clock is checked for due slots, in wall-clock ms (default 200). */
  tickMs?: number;
  clock?: SimClock;
  /** Schedule groups that exist from the start (besides `default`). */
  groups?: string[];
}

export interface SchedulerSim {
  url: string;
  close(): Promise<void>;
}

const account = "000000000000";

export async function startSchedulerSim(options: SchedulerSimOptions): Promise<SchedulerSim> {
  const clock = options.clock ?? createSimClock(options.timeScale ?? 1);
  const store = createStore({ region: options.region, account, now: clock.now });
  for (const group of options.groups ?? []) store.createGroup(group);
  const firing = createFiring({ store, clock, sqs: options.sqs, logger: options.logger });

  const route = async (method: string, url: URL, body: unknown): Promise<unknown> => {
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const q = (name: string) => url.searchParams.get(name) ?? undefined;
    const [root, name, ...rest] = parts;
    if (root === "_sim") return control(method, [name, ...rest], body);
    if (root === "schedule-groups" && name !== undefined && rest.length === 0) {
      if (method === "POST") return { ScheduleGroupArn: store.createGroup(name).Arn };
      if (method === "GET") return store.getGroup(name);
    }
    if (root === "schedule-groups" && name === undefined && method === "GET") {
      return { ScheduleGroups: store.listGroups() };
    }
    if (root === "schedules" && name !== undefined && rest.length === 0) {
      if (method === "GET") return view(store.get(name, q("groupName")));
      if (method === "DELETE") {
        store.remove(name, q("groupName"));
        return {};
      }
      const parsed = scheduleBodySchema.safeParse(body);
      if (!parsed.success) {
        throw new SchedulerApiError("ValidationException", 400, z.prettifyError(parsed.error));
      }
      if (method === "POST") return { ScheduleArn: store.create(name, parsed.data).Arn };
      if (method === "PUT") return { ScheduleArn: store.update(name, parsed.data).Arn };
    }
    if (root === "schedules" && name === undefined && method === "GET") {
      return listSchedules(
        q("ScheduleGroup"),
        q("NamePrefix"),
        q("State"),
        q("NextToken"),
        q("MaxResults"),
      );
    }
    throw new SchedulerApiError(
      "ValidationException",
      400,
      `no such operation: ${method} ${url.pathname}`,
    );
  };

  const listSchedules = (
    group?: string,
    prefix?: string,
    state?: string,
    token?: string,
    max?: string,
  ) => {
    const all = store
      .list()
      .filter(
        (s) =>
          (group === undefined || s.GroupName === group) &&
          (prefix === undefined || s.Name.startsWith(prefix)) &&
          (state === undefined || s.State === state),
      )
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const from = token === undefined ? 0 : Number(token);
    const size = max === undefined ? 100 : Math.min(100, Math.max(1, Number(max)));
    const page = all.slice(from, from + size);
    return {
      Schedules: page.map((s) => ({
        Arn: s.Arn,
        Name: s.Name,
        GroupName: s.GroupName,
        State: s.State,
        CreationDate: s.CreationDate,
        LastModificationDate: s.LastModificationDate,
        Target: { Arn: s.Target.Arn },
      })),
      ...(from + size < all.length ? { NextToken: String(from + size) } : {}),
    };
  };

  const control = async (method: string, path: (string | undefined)[], body: unknown) => {
    const [what, group, name, action] = path;
    if (what === "health" && method === "GET") return { ok: true };
    if (what === "clock" && method === "GET") return { now: new Date(clock.now()).toISOString() };
    if (what === "clock" && group === "advance" && method === "POST") {
      const { seconds } = z.object({ seconds: z.number().positive() }).parse(body);
      clock.advance(seconds * 1000);
      const fired = await firing.catchUp();
      return { now: new Date(clock.now()).toISOString(), fired };
    }
    if (what === "fired" && method === "GET") return { fired: firing.fired };
    if (what === "schedules" && group && name && action === "fire" && method === "POST") {
      const { slot } = z
        .object({ slot: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) })
        .parse(body);
      return firing.fireSlot(store.get(name, group), slot);
    }
    throw new SchedulerApiError(
      "ValidationException",
      400,
      `no such control call: ${method} /_sim/${path.join("/")}`,
    );
  };

  const server = createServer((req, res) => void handle(req, res));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      const result = await route(req.method ?? "GET", url, text ? JSON.parse(text) : {});
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result ?? {}));
    } catch (err) {
      const known =
        err instanceof SchedulerApiError
          ? err
          : err instanceof z.ZodError
            ? new SchedulerApiError("ValidationException", 400, z.prettifyError(err))
            : undefined;
      if (!known) options.logger.error({ event: "scheduler-sim.failed", err }, "request failed");
      const type = known?.type ?? "InternalServerException";
      res
        .writeHead(known?.status ?? 500, {
          "content-type": "application/json",
          "x-amzn-errortype": type,
        })
        .end(JSON.stringify({ Message: known?.message ?? String(err) }));
    }
  };

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const ticker = setInterval(() => {
    firing
      .catchUp()
      .catch((err: unknown) =>
        options.logger.warn({ event: "schedule.fire-failed", err }, "could not fire; retrying"),
      );
  }, options.tickMs ?? 200);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    close: async () => {
      clearInterval(ticker);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GetSchedule's answer: the stored schedule without the stand-in's bookkeeping. */
function view(schedule: StoredSchedule): Omit<StoredSchedule, "firedUntil"> {
  const { firedUntil: _, ...rest } = schedule;
  return rest;
}
