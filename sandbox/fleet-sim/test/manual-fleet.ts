import type { EmitEvent } from "../src/aws-events.ts";
import { createFleet, DEFAULT_TIMING } from "../src/fleet.ts";
import type { GroupSpec } from "../src/fleet.ts";
import { createIds } from "../src/ids.ts";
import { manualClock } from "./manual-clock.ts";

/** A fleet on a manual clock: its timers run only when the test advances the clock. */
export function manualFleet(random: () => number = () => 0.5) {
  const clock = manualClock();
  /** AWS's events the fleet emitted, in order. */
  const events: Parameters<EmitEvent>[0][] = [];
  const fleet = createFleet({
    now: clock.now,
    random,
    ids: createIds(random),
    scheduler: clock.scheduler,
    emit: (event) => events.push(event),
  });
  return { clock, fleet, events };
}

/** Group `web`: 3 instances in zones a, b, c, default timing, no tags or target groups. */
export const groupSpec = (overrides: Partial<GroupSpec> = {}): GroupSpec => ({
  name: "web",
  minSize: 0,
  maxSize: 10,
  desiredCapacity: 3,
  availabilityZones: ["a", "b", "c"],
  tags: [],
  instanceType: "t3.micro",
  launchTemplate: undefined,
  launchConfigurationName: undefined,
  healthCheckGracePeriod: 0,
  suspendedProcesses: [],
  timing: { ...DEFAULT_TIMING },
  targetGroups: [],
  ...overrides,
});
