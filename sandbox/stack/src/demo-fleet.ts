import { createFleetSimControl, type CreateGroupRequest } from "@macaque/fleet-sim";
import { defaultTags } from "@macaque/shared";

const optIn = { [defaultTags.optInKey]: defaultTags.optInValue };

/** The fleet `npm run sandbox` and `npm run demo` start with: one group per situation worth trying. */
export const demoGroups: CreateGroupRequest[] = [
  // Opted in and steady: the group to experiment on, behind a load balancer whose short
  // health checks (2 × 5 s) and deregistration delay (10 s) keep the demo brisk.
  {
    name: "demo-web",
    desiredCapacity: 4,
    minSize: 2,
    maxSize: 8,
    tags: { ...optIn, app: "web" },
    targetGroups: [
      {
        name: "demo-web",
        port: 80,
        healthCheckIntervalSeconds: 10,
        healthyThresholdCount: 3,
        deregistrationDelaySeconds: 10,
      },
    ],
  },
  // Not opted in: every request is refused.
  { name: "demo-batch", desiredCapacity: 3, minSize: 1, maxSize: 6, tags: { app: "batch" } },
  // Opted in, but Launch is suspended: it could not heal, so macaque refuses.
  {
    name: "demo-frozen",
    desiredCapacity: 2,
    minSize: 1,
    maxSize: 4,
    tags: { ...optIn, app: "frozen" },
    suspendedProcesses: ["Launch"],
  },
];

export async function seedDemoFleet(fleetSimUrl: string): Promise<string[]> {
  const control = createFleetSimControl(fleetSimUrl);
  for (const group of demoGroups) await control.createGroup(group);
  return demoGroups.map((g) => g.name);
}
