import { randomUUID } from "node:crypto";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  createIdentityStore,
  verificationStatuses,
  type IdentityStore,
  type VerificationStatus,
} from "./identities.ts";
import { answerIdentityAction } from "./identity-actions.ts";
import { sesError } from "./query-xml.ts";

export interface SesFrontOptions {
  /** aws-ses-v2-local's address, e.g. `http://127.0.0.1:8005`; it gets every request not answered here. */
  upstreamUrl: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface SesFront {
  url: string;
  port: number;
  identities: IdentityStore;
  close(): Promise<void>;
}

/** v1 actions aws-ses-v2-local answers; it leaves any other one hanging, so the front refuses those itself. */
const upstreamActions = new Set(["SendEmail", "SendRawEmail"]);
/** Control endpoint: `GET` lists identities, `PUT …/<identity>` with `{"verificationStatus":"Pending"}` sets one. */
const controlPath = "/_ses-front/identities";

/**
 * SES for the sandbox: answers the identity actions (VerifyEmailIdentity,
 * ListIdentities, GetIdentityVerificationAttributes, DeleteIdentity) itself and
 * forwards every other request, unchanged, to aws-ses-v2-local, streaming the
 * answer back — so SendEmail still lands in its store and web inbox.
 */
export async function startSesFront(options: SesFrontOptions): Promise<SesFront> {
  const upstream = checkedUrl(options.upstreamUrl);
  const identities = createIdentityStore();
  const agent = new Agent({ keepAlive: true });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`ses-front: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "/";
    if (path === controlPath || path.startsWith(`${controlPath}/`)) {
      return control(req, res, decodeURIComponent(path.slice(controlPath.length + 1)));
    }
    if (req.method !== "POST" || path !== "/") return forward(req, res);
    // A v1 query request: the body says which action, so it is read before deciding.
    const body = await readBody(req);
    const params = new URLSearchParams(body.toString("utf8"));
    const requestId = randomUUID();
    const answer = answerIdentityAction(params, identities, requestId);
    if (answer) return reply(res, answer.status, "text/xml", answer.body);
    const action = params.get("Action") ?? "";
    if (!upstreamActions.has(action)) {
      const message = `${action || "(no Action)"} is not supported by the sandbox SES (aws-ses-v2-local behind ses-front)`;
      return reply(res, 400, "text/xml", sesError("InvalidAction", message, requestId));
    }
    return forward(req, res, body);
  }

  function forward(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
    const target = new URL(req.url ?? "/", upstream);
    const outgoing = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    outgoing.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`ses-front: upstream ${upstream.origin} did not answer: ${err.message}`);
    });
    if (body) outgoing.end(body);
    else req.pipe(outgoing);
  }

  async function control(req: IncomingMessage, res: ServerResponse, identity: string) {
    if (req.method === "GET" && !identity) {
      const list = identities.list({}).identities;
      const statuses = identities.statuses(list);
      const body = list.map((i) => ({ identity: i, verificationStatus: statuses.get(i) }));
      return reply(res, 200, "application/json", JSON.stringify({ identities: body }));
    }
    if (req.method === "PUT" && identity) {
      const status = parseStatus((await readBody(req)).toString("utf8"));
      if (!status) {
        const allowed = verificationStatuses.join(", ");
        return reply(
          res,
          400,
          "text/plain",
          `body must be {"verificationStatus": one of ${allowed}}`,
        );
      }
      identities.setStatus(identity, status);
      return reply(res, 204, "text/plain", "");
    }
    return reply(res, 405, "text/plain", `use GET ${controlPath} or PUT ${controlPath}/<identity>`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    identities,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

function checkedUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`upstreamUrl must be an http:// URL, not "${value}"`);
  }
  if (url.protocol !== "http:")
    throw new TypeError(`upstreamUrl must be an http:// URL, not "${value}"`);
  return url;
}

function parseStatus(body: string): VerificationStatus | undefined {
  try {
    const status = (JSON.parse(body) as { verificationStatus?: unknown }).verificationStatus;
    return verificationStatuses.find((s) => s === status);
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
