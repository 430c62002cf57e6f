/**
 * The HTTP server: AWS query-protocol calls on any path, the control endpoint under `/_sim/`.
 * Auto Scaling, EC2 and Elastic Load Balancing v2 share one port; each call's `Version`
 * says which it is, so all three AWS_ENDPOINT_URL_* variables can name the same URL.
 * CloudWatch (JSON, see cloudwatch-api.ts) shares it too, told apart by its X-Amz-Target.
 * SSM Parameter Store (AWS JSON 1.1, told apart by its `X-Amz-Target`) shares it too.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { Logger } from "pino";
import { z } from "zod";
import { AUTOSCALING_VERSION, createAutoscalingApi } from "./autoscaling-api.ts";
import { createAlarms } from "./alarms.ts";
import { createEventSender, type EventTarget } from "./aws-events.ts";
import { createAwsHandler } from "./aws-handler.ts";
import { CLOUDWATCH_TARGET_PREFIX, createCloudWatchApi } from "./cloudwatch-api.ts";
import { createControlApi } from "./control-api.ts";
import { callerOf, createCounters } from "./counters.ts";
import { createEc2Api, EC2_VERSION } from "./ec2-api.ts";
import { createElbApi, ELB_VERSION } from "./elb-api.ts";
import { ConfigError, SimError } from "./errors.ts";
import { createFleet } from "./fleet.ts";
import { createIds } from "./ids.ts";
import { parseForm } from "./query.ts";
import { createScheduler } from "./scheduler.ts";
import { createSsmApi, regionOfAuthorization, SSM_TARGET_PREFIX, type SsmApi } from "./ssm-api.ts";

export interface FleetSimOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** Multiplies every simulated delay: 0.01 turns a 30 s boot into 300 ms. Default 1. */
  timeScale?: number;
  /** Wall clock for every timestamp reported. Default Date.now. */
  now?: () => number;
  /** Source of ids, zone-independent jitter and throttling decisions. Default Math.random. */
  random?: () => number;
  /** Default: a silent pino logger. */
  logger?: Logger;
  /** Where AWS's events go (aws-events.ts); `PUT /_sim/events` changes it. Default nowhere. */
  events?: EventTarget;
}

export interface FleetSim {
  /** Base URL, e.g. http://127.0.0.1:4599, for the SDK `endpoint` and the control client. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default("127.0.0.1"),
  timeScale: z.number().positive().finite().default(1),
});

export async function startFleetSim(options: FleetSimOptions = {}): Promise<FleetSim> {
  const parsed = optionsSchema.safeParse({
    port: options.port,
    host: options.host,
    timeScale: options.timeScale,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`fleet simulator option ${issue?.path.join(".")}: ${issue?.message}`);
  }
  const { port, host, timeScale } = parsed.data;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? pino({ level: "silent" });

  const ids = createIds(random);
  const scheduler = createScheduler({
    timeScale,
    onError: (err) =>
      logger.error({ event: "fleet-sim.timer-failed", err }, "simulation step failed"),
  });
  const events = createEventSender({ logger, ...(options.events && { target: options.events }) });
  const fleet = createFleet({ now, random, ids, scheduler, emit: events.emit });
  const counters = createCounters(now);
  const ssm = createSsmApi({ now });
  const globalFaults = { throttleRate: 0 };
  const alarms = createAlarms(now);
  const control = createControlApi({ fleet, counters, faults: globalFaults, alarms, events });
  const cloudwatch = createCloudWatchApi({ alarms, counters, requestId: () => ids.uuid() });
  const aws = createAwsHandler({
    services: new Map([
      [AUTOSCALING_VERSION, createAutoscalingApi(fleet)],
      [EC2_VERSION, createEc2Api(fleet)],
      [ELB_VERSION, createElbApi(fleet)],
    ]),
    fleet,
    counters,
    globalFaults,
    random,
    ids,
    logger,
  });

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      if (err instanceof SimError) {
        if (!res.headersSent) res.writeHead(err.status).end(err.message);
        return;
      }
      logger.error({ event: "fleet-sim.request-failed", err }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fleet-sim");
    const text = await readBody(req);
    const target = req.headers["x-amz-target"];
    const caller = callerOf(req.headers["user-agent"]);
    if (typeof target === "string" && target.startsWith(SSM_TARGET_PREFIX)) {
      counters.call(target.slice(SSM_TARGET_PREFIX.length), caller);
      const reply = ssm.handle(target, text, regionOfAuthorization(req.headers.authorization));
      logger.debug({ event: "fleet-sim.call", target, status: reply.status }, "SSM call");
      res.writeHead(reply.status, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": ids.uuid(),
      });
      res.end(reply.body);
      return;
    }
    if (url.pathname.startsWith("/_sim/ssm/")) {
      const reply = ssmControl(ssm, req.method ?? "GET", url.pathname, text);
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify(reply.body));
      return;
    }
    if (url.pathname.startsWith("/_sim/")) {
      const segments = url.pathname
        .slice("/_sim/".length)
        .split("/")
        .filter(Boolean)
        .map(decodeURIComponent);
      let reply;
      try {
        reply = control(req.method ?? "GET", segments, text);
      } catch (err) {
        if (!(err instanceof SimError)) throw err;
        reply = { status: err.status, body: { error: err.message } };
      }
      const json = reply.body === undefined ? undefined : JSON.stringify(reply.body);
      res.writeHead(reply.status, json === undefined ? {} : { "content-type": "application/json" });
      res.end(json);
      return;
    }
    if (typeof target === "string" && target.startsWith(CLOUDWATCH_TARGET_PREFIX)) {
      const reply = cloudwatch(target, text, caller);
      res.writeHead(reply.status, reply.headers).end(reply.body);
      return;
    }
    const params = { ...Object.fromEntries(url.searchParams), ...parseForm(text) };
    const reply = aws(params, caller);
    logger.debug(
      { event: "fleet-sim.call", action: params.Action, status: reply.status },
      "API call",
    );
    res.writeHead(reply.status, {
      "content-type": "text/xml; charset=utf-8",
      "x-amzn-requestid": reply.requestId,
    });
    res.end(reply.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    async close() {
      fleet.close();
      await events.drain();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}

const ssmFaultSchema = z.strictObject({ unavailable: z.boolean() });

/** `GET /_sim/ssm/parameters`: what is stored; `PUT /_sim/ssm/faults`: `{unavailable}`. */
function ssmControl(
  ssm: SsmApi,
  method: string,
  path: string,
  text: string,
): { status: number; body: unknown } {
  if (method === "GET" && path === "/_sim/ssm/parameters") {
    return { status: 200, body: { parameters: ssm.list() } };
  }
  if (method === "PUT" && path === "/_sim/ssm/faults") {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { status: 400, body: { error: "the body is not JSON" } };
    }
    const parsed = ssmFaultSchema.safeParse(json);
    if (!parsed.success) return { status: 400, body: { error: "expected {unavailable: boolean}" } };
    ssm.setFault(parsed.data);
    return { status: 200, body: parsed.data };
  }
  return { status: 404, body: { error: `no such control: ${method} ${path}` } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new SimError("RequestTooLarge", "request body too large", { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
