/** Offset-based pages behind an opaque token, enough for a fleet held in memory. */
import type { SimError } from "./errors.ts";

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

export function paginate<T>(
  all: readonly T[],
  pageSize: number | undefined,
  token: string | undefined,
  invalidToken: SimError,
): Page<T> {
  const start = token === undefined ? 0 : decodeToken(token, invalidToken);
  if (start > all.length) throw invalidToken;
  const end = pageSize === undefined ? all.length : start + pageSize;
  return {
    items: all.slice(start, end),
    nextToken: end < all.length ? encodeToken(end) : undefined,
  };
}

const encodeToken = (offset: number): string =>
  Buffer.from(JSON.stringify({ offset })).toString("base64url");

function decodeToken(token: string, invalidToken: SimError): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      offset?: unknown;
    };
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through: any token we did not issue is invalid
  }
  throw invalidToken;
}
