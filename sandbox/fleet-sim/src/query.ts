/**
 * The AWS query protocols at the edge: a form body becomes a tree (`Filters.member.1.Name`
 * → `{ Filters: [{ Name }] }`, `InstanceId.1` → `{ InstanceId: [...] }`), which a zod
 * schema per action turns into typed input. A rejection names the parameter as sent.
 */
import { z } from "zod";
import { SimError } from "./errors.ts";

export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };
export type QueryTree = Record<string, QueryValue>;

export function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

export function toTree(params: Record<string, string>): QueryTree {
  // Prototype-less nodes: a key like `__proto__.x` stays plain data.
  const root: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(params)) {
    const path = key.split(".");
    const last = path.pop() as string;
    let node = root;
    for (const segment of path) {
      // A bare `Tags=` (empty list) gives way to `Tags.member.1.Key=...` and vice versa.
      if (typeof node[segment] !== "object") node[segment] = Object.create(null);
      node = node[segment] as Record<string, unknown>;
    }
    if (typeof node[last] !== "object") node[last] = value;
  }
  return normalize(root) as QueryTree;
}

/** Objects keyed 1..n become arrays; awsQuery's `member` wrapper disappears. */
function normalize(value: unknown): QueryValue {
  if (typeof value !== "object" || value === null) return String(value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => normalize(v));
  }
  const object = Object.fromEntries(entries.map(([k, v]) => [k, normalize(v)]));
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === "member" && Array.isArray(object.member)) {
    return object.member;
  }
  return object;
}

export function parseParams<T>(schema: z.ZodType<T>, tree: QueryTree): T {
  const result = schema.safeParse(tree);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `'${formatPath(issue.path)}': ${issue.message}`,
  );
  throw new SimError(
    "ValidationError",
    `${problems.length} validation error${problems.length === 1 ? "" : "s"} detected: ${problems.join("; ")}`,
  );
}

const formatPath = (path: PropertyKey[]): string =>
  path.map((p) => (typeof p === "number" ? String(p + 1) : String(p))).join(".") || "(request)";

/** Field shapes as the query protocols write them. */
export const q = {
  string: (max = 255) => z.string().min(1).max(max),
  int: (min: number, max: number) =>
    z
      .string()
      .regex(/^-?\d+$/, "expected an integer")
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  bool: () => z.enum(["true", "false"]).transform((v) => v === "true"),
  /** A list parameter; the empty form (`Name=`) reads as no items. */
  list: <T extends z.ZodType>(item: T) =>
    z.preprocess((v) => (v === "" ? [] : v), z.array(item)).optional(),
};
