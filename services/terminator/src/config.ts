import { z } from "zod";
import { commonEnvSchema, defaultTags, redisEnvSchema } from "@macaque/shared";
import type { Tag } from "./verdicts.ts";

/** Reads `key=value`; the key ends at the first `=`, so a value may contain one. */
export function parseTag(text: string): Tag | undefined {
  const at = text.indexOf("=");
  if (at <= 0) return undefined;
  return { key: text.slice(0, at), value: text.slice(at + 1) };
}

const tagSchema = z.string().transform((text, ctx) => {
  const tag = parseTag(text);
  if (!tag) {
    ctx.addIssue({ code: "custom", message: "must be key=value, e.g. macaque:exclude=true" });
    return z.NEVER;
  }
  return tag;
});

export const terminatorEnvSchema = commonEnvSchema
  .extend({
    /** Instances carrying this tag are never terminated, even when an order names them. Default `macaque:exclude=true`. */
    EXCLUDE_TAG: tagSchema.prefault(`${defaultTags.excludeKey}=${defaultTags.excludeValue}`),
  })
  .extend(redisEnvSchema.shape);

export type TerminatorConfig = z.output<typeof terminatorEnvSchema>;
