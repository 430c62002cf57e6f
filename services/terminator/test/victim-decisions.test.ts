import { describe, expect, it } from "vitest";
import { decideVictims, type VictimFacts } from "../src/victim-decisions.ts";

const excludeTag = { key: "macaque:exclude", value: "true" };
const id = "i-0123456789abcdef0";

const healthy = (overrides: Partial<VictimFacts> = {}): VictimFacts => ({
  instanceId: id,
  membership: { group: "web", lifecycleState: "InService" },
  instance: { state: "running", tags: [{ key: "Name", value: "web" }] },
  ...overrides,
});

const decideOne = (facts: VictimFacts | undefined) =>
  decideVictims({ asg: "web", victims: [id], facts: facts ? [facts] : [], excludeTag })[0];

describe("decideVictims", () => {
  it.each<[string, VictimFacts | undefined, string | undefined]>([
    ["terminates a victim still InService, running and not excluded", healthy(), undefined],
    [
      "skips a victim no longer InService",
      healthy({ membership: { group: "web", lifecycleState: "Terminating" } }),
      `not terminating ${id}: it is no longer InService in web (Terminating)`,
    ],
    [
      "skips a victim that left the group",
      healthy({ membership: undefined }),
      `not terminating ${id}: it is not in group web`,
    ],
    [
      "skips a victim that is now in another group",
      healthy({ membership: { group: "api", lifecycleState: "InService" } }),
      `not terminating ${id}: it is not in group web (it is in api)`,
    ],
    [
      "skips a victim that now carries the exclusion tag",
      healthy({ instance: { state: "running", tags: [excludeTag] } }),
      `not terminating ${id}: it now carries macaque:exclude=true`,
    ],
    [
      "skips a victim EC2 no longer runs",
      healthy({ instance: { state: "shutting-down", tags: [] } }),
      `not terminating ${id}: it is shutting-down in EC2, not running`,
    ],
    [
      "skips a victim EC2 does not know",
      healthy({ instance: undefined }),
      `not terminating ${id}: EC2 does not know it`,
    ],
    [
      "skips a victim nobody knows, saying both",
      undefined,
      `not terminating ${id}: it is not in group web; EC2 does not know it`,
    ],
    [
      "names every check that failed",
      {
        instanceId: id,
        membership: { group: "web", lifecycleState: "Terminating" },
        instance: { state: "terminated", tags: [excludeTag] },
      },
      `not terminating ${id}: it is no longer InService in web (Terminating); it now carries macaque:exclude=true; it is terminated in EC2, not running`,
    ],
  ])("%s", (_name, facts, reason) => {
    const decision = decideOne(facts);
    if (reason === undefined) expect(decision).toEqual({ instanceId: id, terminate: true });
    else expect(decision).toEqual({ instanceId: id, terminate: false, reason });
  });

  it("does not treat the exclusion key with another value as excluded", () => {
    const facts = healthy({
      instance: { state: "running", tags: [{ key: "macaque:exclude", value: "false" }] },
    });
    expect(decideOne(facts)).toEqual({ instanceId: id, terminate: true });
  });

  it("honours a configured exclusion tag", () => {
    const tag = { key: "team", value: "payments" };
    const decisions = decideVictims({
      asg: "web",
      victims: [id],
      facts: [healthy({ instance: { state: "running", tags: [tag] } })],
      excludeTag: tag,
    });
    expect(decisions[0]).toMatchObject({
      terminate: false,
      reason: expect.stringContaining("team=payments"),
    });
  });

  it("keeps the victims' order", () => {
    const other = "i-00000000000000001";
    const decisions = decideVictims({
      asg: "web",
      victims: [other, id],
      facts: [healthy(), healthy({ instanceId: other })],
      excludeTag,
    });
    expect(decisions.map((v) => v.instanceId)).toEqual([other, id]);
  });
});
