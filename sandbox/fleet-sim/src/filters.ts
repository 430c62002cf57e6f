/**
 * Describe filters. Filters combine with AND, the values of one filter with OR, as in
 * AWS. EC2 values may use `*` and `?` wildcards; Auto Scaling values match exactly.
 */
import { SimError } from "./errors.ts";
import type { Ec2Instance, Group } from "./model.ts";

export interface Filter {
  name: string;
  values: string[];
}

type Tags = ReadonlyArray<{ key: string; value: string }>;
type Match = (value: string, pattern: string) => boolean;

const exact: Match = (value, pattern) => value === pattern;

/** Compiled once per pattern: a filter of 200 ids over 2,000 instances is 400,000 tests. */
const patterns = new Map<string, (value: string) => boolean>();

function compile(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`, "s");
  return (value) => regex.test(value);
}

const wildcard: Match = (value, pattern) => {
  let test = patterns.get(pattern);
  if (!test) {
    if (patterns.size > 10_000) patterns.clear();
    test = compile(pattern);
    patterns.set(pattern, test);
  }
  return test(value);
};

function matchesTags(
  name: string,
  values: string[],
  tags: Tags,
  match: Match,
): boolean | undefined {
  const any = (candidates: string[]): boolean =>
    candidates.some((c) => values.some((v) => match(c, v)));
  if (name === "tag-key") return any(tags.map((t) => t.key));
  if (name === "tag-value") return any(tags.map((t) => t.value));
  if (name.startsWith("tag:")) {
    const key = name.slice("tag:".length);
    return any(tags.filter((t) => t.key === key).map((t) => t.value));
  }
  return undefined;
}

export function matchesGroup(group: Group, filters: Filter[]): boolean {
  return filters.every(({ name, values }) => {
    if (name === "auto-scaling-group") return values.includes(group.name);
    const matched = matchesTags(name, values, group.tags, exact);
    if (matched === undefined) {
      throw new SimError(
        "ValidationError",
        `Filter type ${name} is not correct. Allowed Filter types are: auto-scaling-group, tag-key, tag-value, tag:<key>`,
      );
    }
    return matched;
  });
}

export function matchesInstance(instance: Ec2Instance, filters: Filter[]): boolean {
  return filters.every(({ name, values }) => {
    const field = instanceField(instance, name);
    if (field !== undefined) return values.some((v) => wildcard(field, v));
    const matched = matchesTags(name, values, instance.tags, wildcard);
    if (matched === undefined) {
      throw new SimError("InvalidParameterValue", `The filter '${name}' is invalid`);
    }
    return matched;
  });
}

function instanceField(instance: Ec2Instance, name: string): string | undefined {
  const fields: Record<string, string> = {
    "instance-id": instance.id,
    "instance-state-name": instance.state,
    "instance-type": instance.instanceType,
    "availability-zone": instance.availabilityZone,
    "private-ip-address": instance.privateIpAddress,
  };
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}
