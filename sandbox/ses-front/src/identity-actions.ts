/**
 * The SES v1 identity actions aws-ses-v2-local leaves unanswered, answered from
 * an in-memory store in the shapes real SES returns.
 */
import type { IdentityStore, IdentityType } from "./identities.ts";
import { members, sesError, sesResponse } from "./query-xml.ts";

export interface QueryAnswer {
  status: number;
  body: string;
}

/** Actions answered here; every other one is aws-ses-v2-local's. */
const identityActions = [
  "VerifyEmailIdentity",
  "ListIdentities",
  "GetIdentityVerificationAttributes",
  "DeleteIdentity",
] as const;

/** SES refuses more than this many identities in one GetIdentityVerificationAttributes. */
const MAX_IDENTITIES_PER_LOOKUP = 100;

class QueryError extends Error {
  override name = "QueryError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Answers an identity action, or returns undefined when `params` names another action. */
export function answerIdentityAction(
  params: URLSearchParams,
  store: IdentityStore,
  requestId: string,
): QueryAnswer | undefined {
  const action = params.get("Action") ?? "";
  if (!(identityActions as readonly string[]).includes(action)) return undefined;
  try {
    return { status: 200, body: sesResponse(action, run(action, params, store), requestId) };
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    return { status: 400, body: sesError(err.code, err.message, requestId) };
  }
}

function run(action: string, params: URLSearchParams, store: IdentityStore) {
  switch (action) {
    case "VerifyEmailIdentity": {
      const address = required(params, "EmailAddress");
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
        throw new QueryError("InvalidParameterValue", `Invalid email address<${address}>.`);
      }
      store.verify(address);
      return "";
    }
    case "ListIdentities": {
      const type = identityType(params.get("IdentityType"));
      const maxItems = maxItemsOf(params.get("MaxItems"));
      const page = store.list({
        ...(type && { type }),
        ...(maxItems !== undefined && { maxItems }),
        ...(params.get("NextToken") && { nextToken: params.get("NextToken")! }),
      });
      return { Identities: members(page.identities), NextToken: page.nextToken };
    }
    case "GetIdentityVerificationAttributes": {
      const identities = listParam(params, "Identities");
      if (identities.length > MAX_IDENTITIES_PER_LOOKUP) {
        throw new QueryError(
          "ValidationError",
          `Value at 'identities' failed to satisfy constraint: Member must have length less than or equal to ${MAX_IDENTITIES_PER_LOOKUP}`,
        );
      }
      const entries = [...store.statuses(identities)].map(([key, status]) => ({
        key,
        value: { VerificationStatus: status },
      }));
      return { VerificationAttributes: entries.length ? { entry: entries } : "" };
    }
    case "DeleteIdentity":
      // Deleting an unknown identity succeeds in SES too.
      store.delete(required(params, "Identity"));
      return "";
    default:
      throw new QueryError("InvalidAction", `${action} is not an identity action`);
  }
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (!value) {
    throw new QueryError(
      "ValidationError",
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** `Identities.member.1=a&Identities.member.2=b` → `[a, b]`, in member order. */
function listParam(params: URLSearchParams, name: string): string[] {
  const prefix = `${name}.member.`;
  return [...params]
    .filter(([key]) => key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length)))
    .sort(([a], [b]) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map(([, value]) => value);
}

function identityType(value: string | null): IdentityType | undefined {
  if (value === null || value === "") return undefined;
  if (value === "EmailAddress" || value === "Domain") return value;
  throw new QueryError(
    "ValidationError",
    `1 validation error detected: Value '${value}' at 'identityType' failed to satisfy constraint: Member must satisfy enum value set: [Domain, EmailAddress]`,
  );
}

function maxItemsOf(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new QueryError("InvalidParameterValue", `MaxItems must be 1-1000, not ${value}`);
  }
  return n;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
