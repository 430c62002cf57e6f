import { limitTags, type Reason } from "@macaque/shared";

/**
 * The limits that hold for one group: the operator's, tightened (never
 * loosened) by the group's own `macaque:*` limit tags. A group's owner can ask
 * for more care than the operator set, but a tag is something anyone with
 * tagging rights can write, so it must not open what the operator closed. A tag
 * that would loosen a limit, or is not a number, is ignored and reported.
 */

/** Operator limits; a request can only ask for less. */
export interface Limits {
  maxInstancesPerExperiment: number;
  /** Victims may be at most floor(desired * this / 100). */
  maxPercentOfGroup: number;
  /** InService and Healthy instances that must remain after the termination. */
  minInServiceAfter: number;
  /** Minutes from the end of a group's last experiment until the next may start. */
  minMinutesBetweenExperiments: number;
}

export const LimitNoticeCode = { limitTagIgnored: "limit-tag-ignored" } as const;

/** Where each effective limit came from, for messages: a variable or a tag. */
export type LimitSources = Record<keyof Limits, string>;

export interface EffectiveLimits {
  limits: Limits;
  sources: LimitSources;
  /** One per tag that was not applied, naming the tag and why. */
  ignored: Reason[];
}

interface LimitRule {
  tag: string;
  variable: string;
  /** `max` limits tighten downwards, `min` limits upwards. */
  tightens: "down" | "up";
  whole: boolean;
  upTo?: number;
}

const rules: Record<keyof Limits, LimitRule> = {
  maxInstancesPerExperiment: {
    tag: limitTags.maxInstances,
    variable: "MAX_INSTANCES_PER_EXPERIMENT",
    tightens: "down",
    whole: true,
  },
  maxPercentOfGroup: {
    tag: limitTags.maxPercent,
    variable: "MAX_PERCENT_OF_GROUP",
    tightens: "down",
    whole: true,
    upTo: 100,
  },
  minInServiceAfter: {
    tag: limitTags.minInService,
    variable: "MIN_IN_SERVICE_AFTER",
    tightens: "up",
    whole: true,
  },
  minMinutesBetweenExperiments: {
    tag: limitTags.minMinutesBetween,
    variable: "MIN_MINUTES_BETWEEN_EXPERIMENTS",
    tightens: "up",
    whole: false,
  },
};

export function effectiveLimits(
  operator: Limits,
  groupTags: Readonly<Record<string, string>>,
): EffectiveLimits {
  const limits = { ...operator };
  const sources = {} as LimitSources;
  const ignored: Reason[] = [];
  for (const name of Object.keys(rules) as (keyof Limits)[]) {
    const rule = rules[name];
    sources[name] = rule.variable;
    const raw = groupTags[rule.tag];
    if (raw === undefined) continue;
    const problem = tagProblem(rule, raw, operator[name]);
    if (problem) {
      ignored.push({
        code: LimitNoticeCode.limitTagIgnored,
        message: `tag ${rule.tag}=${raw} is ignored: ${problem}; ${rule.variable} ${operator[name]} applies`,
      });
      continue;
    }
    limits[name] = Number(raw);
    sources[name] = `tag ${rule.tag}=${raw}`;
  }
  return { limits, sources, ignored };
}

function tagProblem(rule: LimitRule, raw: string, operator: number): string | undefined {
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) return "not a number";
  if (value < 0) return "a negative number";
  if (rule.whole && !Number.isInteger(value)) return "not a whole number";
  if (rule.upTo !== undefined && value > rule.upTo) return `more than ${rule.upTo}`;
  if (rule.tightens === "down" && value > operator) {
    return `it would raise the limit above ${rule.variable} ${operator}; a tag can only lower it`;
  }
  if (rule.tightens === "up" && value < operator) {
    return `it would lower the limit below ${rule.variable} ${operator}; a tag can only raise it`;
  }
  return undefined;
}

export const TooSoonCode = { tooSoon: "too-soon" } as const;

/**
 * Refuses a group whose last experiment ended less than `minMinutes` ago, so a
 * schedule left running cannot keep a group in perpetual recovery. `lastEndedAt`
 * undefined means the group has no recorded end: never refused.
 */
export function checkTooSoon(input: {
  asg: string;
  lastEndedAt: Date | undefined;
  minMinutes: number;
  /** What set `minMinutes`: the variable or the group's tag. */
  source: string;
  now: Date;
}): Reason[] {
  const { lastEndedAt, minMinutes } = input;
  if (lastEndedAt === undefined || minMinutes <= 0) return [];
  const allowedAt = new Date(lastEndedAt.getTime() + minMinutes * 60_000);
  if (input.now.getTime() >= allowedAt.getTime()) return [];
  return [
    {
      code: TooSoonCode.tooSoon,
      message: `group ${input.asg}'s last experiment ended at ${lastEndedAt.toISOString()}; the next is allowed from ${allowedAt.toISOString()}, ${minMinutes} min later (${input.source})`,
    },
  ];
}
