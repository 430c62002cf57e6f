import { parse } from "yaml";
import { repoFile } from "./repo.ts";

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  ports?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

/** `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}` and `$$`, as Compose reads them. */
const variable =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|(:?\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    variable,
    (
      whole,
      braced?: string,
      dash?: string,
      fallback?: string,
      ask?: string,
      message?: string,
      bare?: string,
    ) => {
      if (whole === "$$") return "$";
      const name = (braced ?? bare)!;
      const value = env[name];
      if (dash === ":-") return value ? value : (fallback ?? "");
      if (dash === "-") return value ?? fallback ?? "";
      if (ask && (value === undefined || (ask === ":?" && value === ""))) {
        throw new Error(`${name}: ${message || "required"}`);
      }
      return value ?? "";
    },
  );
}

/** Names of the variables the file interpolates. */
export const variablesIn = (text: string): string[] =>
  [...new Set([...text.matchAll(variable)].map((m) => m[1] ?? m[6]).filter(Boolean))] as string[];

function interpolateAll(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === "string") return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return value;
}

/**
 * docker-compose.yml as `docker compose config` would see it with these shell
 * variables: YAML merge keys applied, then variables interpolated.
 */
export function loadCompose(env: Record<string, string> = {}): {
  text: string;
  compose: ComposeFile;
} {
  const text = repoFile("docker-compose.yml");
  const raw = parse(text, { merge: true }) as unknown;
  return { text, compose: interpolateAll(raw, env) as ComposeFile };
}

/** A service's environment as the process gets it (Compose passes values as strings). */
export const environmentOf = (service: ComposeService): Record<string, string> =>
  Object.fromEntries(
    Object.entries(service.environment ?? {})
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
