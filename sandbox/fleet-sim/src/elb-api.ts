/** The Elastic Load Balancing v2 API (2015-12-01, awsQuery) for the target-group calls. */
import { z } from "zod";
import { defineAction } from "./actions.ts";
import type { ApiService, Touched } from "./actions.ts";
import { targetGroupXml, targetHealthXml, unregisteredXml } from "./elb-views.ts";
import { SimError } from "./errors.ts";
import type { Fleet } from "./fleet.ts";
import type { TargetGroup } from "./model.ts";
import { paginate } from "./pagination.ts";
import { q } from "./query.ts";
import { elbError, elbResponse, members } from "./xml.ts";

export const ELB_VERSION = "2015-12-01";
const TARGET_GROUP_ARN =
  /^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[^/]+$/;
const LOAD_BALANCER_ARN =
  /^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app|net|gwy)\/[^/]+\/[^/]+$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

const arn = q.string(2048);
const target = z.object({
  Id: q.string(),
  Port: q.int(1, 65_535).optional(),
  AvailabilityZone: q.string().optional(),
});
const targetsInput = z.object({ TargetGroupArn: arn, Targets: z.array(target).min(1) });

const targetGroupsNotFound = (): SimError =>
  new SimError("TargetGroupNotFound", "One or more target groups not found");

const invalidTargets = (problem: string, ids: string[]): SimError =>
  new SimError(
    "InvalidTarget",
    `The following targets ${problem}: ${ids.map((id) => `'${id}'`).join(", ")}`,
  );

export function createElbApi(fleet: Fleet): ApiService {
  const sorted = (): TargetGroup[] =>
    fleet.targetGroups().sort((a, b) => a.name.localeCompare(b.name));
  const ownersOf = (groups: TargetGroup[]): string[] => [
    ...new Set(groups.map((tg) => tg.groupName)),
  ];

  const checkArn = (value: string): void => {
    if (!TARGET_GROUP_ARN.test(value)) {
      throw new SimError("ValidationError", `'${value}' is not a valid target group ARN`);
    }
  };

  const requireTargetGroup = (value: string): TargetGroup => {
    checkArn(value);
    const found = fleet.targetGroups().find((tg) => tg.arn === value);
    if (!found) throw targetGroupsNotFound();
    return found;
  };

  /** The touched groups, quietly empty when the ARN is unknown: the call itself will say so. */
  const touchedBy = (value: string): Touched =>
    ownersOf(fleet.targetGroups().filter((tg) => tg.arn === value));

  const selectTargetGroups = (input: {
    LoadBalancerArn?: string | undefined;
    TargetGroupArns?: string[] | undefined;
    Names?: string[] | undefined;
  }): TargetGroup[] => {
    const arns = input.TargetGroupArns ?? [];
    const names = input.Names ?? [];
    const filters = [input.LoadBalancerArn !== undefined, arns.length > 0, names.length > 0];
    if (filters.filter(Boolean).length > 1) {
      throw new SimError(
        "ValidationError",
        "Only one of LoadBalancerArn, TargetGroupArns and Names can be specified",
      );
    }
    const all = sorted();
    if (arns.length) {
      arns.forEach(checkArn);
      const found = all.filter((tg) => arns.includes(tg.arn));
      if (found.length < new Set(arns).size) throw targetGroupsNotFound();
      return found;
    }
    if (names.length) {
      const found = all.filter((tg) => names.includes(tg.name));
      if (found.length < new Set(names).size) throw targetGroupsNotFound();
      return found;
    }
    if (input.LoadBalancerArn !== undefined) {
      const lb = input.LoadBalancerArn;
      if (!LOAD_BALANCER_ARN.test(lb)) {
        throw new SimError("ValidationError", `'${lb}' is not a valid load balancer ARN`);
      }
      const found = all.filter((tg) => tg.loadBalancerArn === lb);
      if (found.length === 0) {
        throw new SimError("LoadBalancerNotFound", "One or more load balancers not found");
      }
      return found;
    }
    return all;
  };

  /** ELB rejects the whole call when one instance is malformed, unknown or not running. */
  const checkInstances = (ids: string[], mustRun: boolean): void => {
    const unknown = ids.filter((id) => !INSTANCE_ID.test(id) || !fleet.instances.has(id));
    if (unknown.length) throw invalidTargets("are not valid instances", unknown);
    if (!mustRun) return;
    const stopped = ids.filter((id) => fleet.instances.get(id)?.state !== "running");
    if (stopped.length) {
      throw invalidTargets("are not in a running state and cannot be registered", stopped);
    }
  };

  const actions = {
    DescribeTargetGroups: defineAction(
      z.object({
        LoadBalancerArn: arn.optional(),
        TargetGroupArns: q.list(arn),
        Names: q.list(q.string(32)),
        Marker: z.string().optional(),
        PageSize: q.int(1, 400).optional(),
      }),
      (input) => {
        if (!input.TargetGroupArns?.length && !input.Names?.length && !input.LoadBalancerArn) {
          return "all";
        }
        return ownersOf(
          fleet
            .targetGroups()
            .filter(
              (tg) =>
                input.TargetGroupArns?.includes(tg.arn) ||
                input.Names?.includes(tg.name) ||
                tg.loadBalancerArn === input.LoadBalancerArn,
            ),
        );
      },
      (input) => {
        const found = selectTargetGroups(input);
        const invalidMarker = new SimError("ValidationError", "Invalid value for Marker");
        const page = paginate(found, input.PageSize ?? 400, input.Marker, invalidMarker);
        return {
          TargetGroups: members(page.items.map(targetGroupXml)),
          NextMarker: page.nextToken,
        };
      },
    ),

    DescribeTargetHealth: defineAction(
      z.object({
        TargetGroupArn: arn,
        Targets: q.list(target),
        Include: q.list(z.enum(["AnomalyDetection", "All"])),
      }),
      (input) => touchedBy(input.TargetGroupArn),
      (input) => {
        const tg = requireTargetGroup(input.TargetGroupArn);
        const asked = input.Targets ?? [];
        if (asked.length === 0) {
          return { TargetHealthDescriptions: members(tg.targets.map(targetHealthXml)) };
        }
        checkInstances(
          asked.map((t) => t.Id),
          false,
        );
        const descriptions = asked.flatMap(({ Id, Port }) => {
          const registered = tg.targets.filter(
            (t) => t.id === Id && (Port === undefined || t.port === Port),
          );
          return registered.length ? registered.map(targetHealthXml) : [unregisteredXml(Id, Port)];
        });
        return { TargetHealthDescriptions: members(descriptions) };
      },
    ),

    RegisterTargets: defineAction(
      targetsInput,
      (input) => touchedBy(input.TargetGroupArn),
      (input) => {
        const tg = requireTargetGroup(input.TargetGroupArn);
        checkInstances(
          input.Targets.map((t) => t.Id),
          true,
        );
        fleet.registerTargets(
          tg,
          input.Targets.map((t) => ({ id: t.Id, port: t.Port ?? tg.port })),
        );
        return {};
      },
    ),

    DeregisterTargets: defineAction(
      targetsInput,
      (input) => touchedBy(input.TargetGroupArn),
      (input) => {
        const tg = requireTargetGroup(input.TargetGroupArn);
        const targets = input.Targets.map((t) => ({ id: t.Id, port: t.Port ?? tg.port }));
        const missing = targets.filter(
          ({ id, port }) => !tg.targets.some((t) => t.id === id && t.port === port),
        );
        if (missing.length) {
          throw invalidTargets(
            "are not registered in this target group",
            missing.map((t) => t.id),
          );
        }
        fleet.deregisterTargets(tg, targets);
        return {};
      },
    ),
  };

  return {
    actions,
    respond: elbResponse,
    error: elbError,
    throttling: { code: "Throttling", message: "Rate exceeded", status: 400 },
  };
}
