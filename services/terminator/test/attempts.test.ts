import { describe, expect, it } from "vitest";
import { confirmAttempts, isBeingTerminated } from "../src/attempts.ts";
import type { VictimFacts } from "../src/victim-decisions.ts";

const id = "i-0123456789abcdef0";
const facts = (
  lifecycleState: string | undefined,
  state: string | undefined,
  group = "web",
): VictimFacts => ({
  instanceId: id,
  membership: lifecycleState === undefined ? undefined : { group, lifecycleState },
  instance: state === undefined ? undefined : { state, tags: [] },
});

describe("isBeingTerminated", () => {
  it.each<[string, "ec2" | "asg", VictimFacts, boolean]>([
    ["ec2: shutting-down in EC2", "ec2", facts("InService", "shutting-down"), true],
    ["ec2: terminated in EC2", "ec2", facts(undefined, "terminated"), true],
    ["ec2: still running", "ec2", facts("InService", "running"), false],
    [
      "ec2: Terminating in the group but running (the group's own doing)",
      "ec2",
      facts("Terminating", "running"),
      false,
    ],
    ["ec2: unknown to EC2", "ec2", facts(undefined, undefined), false],
    ["asg: Terminating", "asg", facts("Terminating", "running"), true],
    ["asg: Terminating:Wait", "asg", facts("Terminating:Wait", "running"), true],
    ["asg: gone from the group and shutting-down", "asg", facts(undefined, "shutting-down"), true],
    ["asg: gone from the group and from EC2", "asg", facts(undefined, undefined), true],
    ["asg: still InService", "asg", facts("InService", "running"), false],
    ["asg: out of the group but running (detached)", "asg", facts(undefined, "running"), false],
    ["asg: Terminating in another group", "asg", facts("Terminating", "running", "api"), false],
  ])("%s: %s", (_name, mode, victim, expected) => {
    expect(isBeingTerminated(mode, "web", victim)).toBe(expected);
  });
});

describe("confirmAttempts", () => {
  const at = "2025-01-01T00:00:10.000Z";

  it("reports a victim we called for and AWS is terminating as terminated, at the call", () => {
    expect(
      confirmAttempts({
        mode: "asg",
        asg: "web",
        facts: [facts("Terminating", "running")],
        attempts: new Map([[id, at]]),
      }),
    ).toEqual([{ instanceId: id, outcome: "terminated", at }]);
  });

  it("leaves alone a terminating victim we never called for", () => {
    expect(
      confirmAttempts({
        mode: "asg",
        asg: "web",
        facts: [facts("Terminating", "running")],
        attempts: new Map(),
      }),
    ).toEqual([]);
  });

  it("leaves alone a victim we called for that is still running", () => {
    expect(
      confirmAttempts({
        mode: "ec2",
        asg: "web",
        facts: [facts("InService", "running")],
        attempts: new Map([[id, at]]),
      }),
    ).toEqual([]);
  });
});
