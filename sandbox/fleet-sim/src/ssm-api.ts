/**
 * A small SSM Parameter Store: the five actions macaque's controls use (the kill
 * switch, aborts, in-flight notes), in AWS JSON 1.1 as `@aws-sdk/client-ssm` speaks
 * it: `POST /`, `X-Amz-Target: AmazonSSM.<Action>`, a JSON body, and errors as
 * `{"__type": "ParameterNotFound", "message": …}` with status 400.
 */
import { z } from "zod";
import { SimError } from "./errors.ts";

export const SSM_TARGET_PREFIX = "AmazonSSM.";

interface StoredParameter {
  name: string;
  value: string;
  type: string;
  version: number;
  /** Epoch ms. */
  modifiedAt: number;
}

export interface SsmReply {
  status: number;
  body: string;
}

export interface SsmApi {
  handle(target: string, text: string, region: string): SsmReply;
  /** Every parameter, for the control endpoint. */
  list(): Array<{ name: string; value: string; version: number }>;
  /** While set, every call fails with InternalServerError (500): SSM unreachable. */
  setFault(fault: { unavailable: boolean }): void;
}

const ACCOUNT = "000000000000";
const name = z
  .string()
  .min(1)
  .max(1011)
  .regex(/^[A-Za-z0-9_./-]+$/, "contains characters SSM does not allow in a parameter name");

const schemas = {
  GetParameter: z.object({ Name: name, WithDecryption: z.boolean().optional() }),
  GetParameters: z.object({
    Names: z.array(name).min(1).max(10),
    WithDecryption: z.boolean().optional(),
  }),
  GetParametersByPath: z.object({
    Path: name.refine((p) => p.startsWith("/"), "must start with /"),
    Recursive: z.boolean().optional(),
    MaxResults: z.number().int().min(1).max(10).optional(),
    NextToken: z.string().optional(),
    WithDecryption: z.boolean().optional(),
  }),
  PutParameter: z.object({
    Name: name,
    Value: z.string().min(1).max(4096),
    Type: z.enum(["String", "StringList", "SecureString"]).optional(),
    Overwrite: z.boolean().optional(),
    Description: z.string().optional(),
  }),
  DeleteParameter: z.object({ Name: name }),
} as const;

type Action = keyof typeof schemas;

export function createSsmApi(options: { now: () => number }): SsmApi {
  const store = new Map<string, StoredParameter>();
  let unavailable = false;

  const view = (p: StoredParameter, region: string) => ({
    ARN: `arn:aws:ssm:${region}:${ACCOUNT}:parameter${p.name.startsWith("/") ? "" : "/"}${p.name}`,
    DataType: "text",
    LastModifiedDate: p.modifiedAt / 1000,
    Name: p.name,
    Type: p.type,
    Value: p.value,
    Version: p.version,
  });
  const notFound = (): SimError => new SimError("ParameterNotFound", "");

  const actions: {
    [A in Action]: (input: z.infer<(typeof schemas)[A]>, region: string) => unknown;
  } = {
    GetParameter(input, region) {
      const found = store.get(input.Name);
      if (!found) throw notFound();
      return { Parameter: view(found, region) };
    },
    GetParameters(input, region) {
      const names = [...new Set(input.Names)];
      return {
        InvalidParameters: names.filter((n) => !store.has(n)),
        Parameters: names.flatMap((n) => {
          const found = store.get(n);
          return found ? [view(found, region)] : [];
        }),
      };
    },
    GetParametersByPath(input, region) {
      const prefix = input.Path.endsWith("/") ? input.Path : `${input.Path}/`;
      const matching = [...store.values()]
        .filter((p) => p.name.startsWith(prefix))
        .filter((p) => input.Recursive === true || !p.name.slice(prefix.length).includes("/"))
        .sort((a, b) => a.name.localeCompare(b.name));
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      if (!Number.isInteger(start) || start < 0) {
        throw new SimError("InvalidNextToken", "The specified token is not valid.");
      }
      const size = input.MaxResults ?? 10;
      const page = matching.slice(start, start + size);
      const next = start + size < matching.length ? String(start + size) : undefined;
      return {
        Parameters: page.map((p) => view(p, region)),
        ...(next !== undefined && { NextToken: next }),
      };
    },
    PutParameter(input) {
      const existing = store.get(input.Name);
      if (existing && input.Overwrite !== true) {
        throw new SimError(
          "ParameterAlreadyExists",
          "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
        );
      }
      const version = (existing?.version ?? 0) + 1;
      store.set(input.Name, {
        name: input.Name,
        value: input.Value,
        type: input.Type ?? existing?.type ?? "String",
        version,
        modifiedAt: options.now(),
      });
      return { Tier: "Standard", Version: version };
    },
    DeleteParameter(input) {
      if (!store.delete(input.Name)) throw notFound();
      return {};
    },
  };

  const reply = (status: number, body: unknown): SsmReply => ({
    status,
    body: JSON.stringify(body),
  });
  const error = (code: string, message: string, status = 400): SsmReply =>
    reply(status, message ? { __type: code, message } : { __type: code });

  return {
    handle(target, text, region) {
      const action = target.slice(SSM_TARGET_PREFIX.length);
      if (!Object.hasOwn(schemas, action)) return error("UnknownOperationException", "");
      if (unavailable) {
        return error("InternalServerError", "The simulator's SSM is switched off.", 500);
      }
      let json: unknown;
      try {
        json = text === "" ? {} : JSON.parse(text);
      } catch {
        return error(
          "SerializationException",
          "Start of structure or map found where not expected.",
        );
      }
      const parsed = schemas[action as Action].safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return error(
          "ValidationException",
          `1 validation error detected: Value at '${issue?.path.join(".")}' failed to satisfy constraint: ${issue?.message}`,
        );
      }
      try {
        const run = actions[action as Action] as (input: unknown, region: string) => unknown;
        return reply(200, run(parsed.data, region));
      } catch (err) {
        if (err instanceof SimError) return error(err.code, err.message, err.status);
        throw err;
      }
    },
    list: () =>
      [...store.values()].map((p) => ({ name: p.name, value: p.value, version: p.version })),
    setFault(fault) {
      unavailable = fault.unavailable;
    },
  };
}

/** The region in a SigV4 Authorization header's credential scope, else us-east-1. */
export function regionOfAuthorization(header: string | undefined): string {
  const match = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/ssm\//.exec(header ?? "");
  return match?.[1] ?? "us-east-1";
}
