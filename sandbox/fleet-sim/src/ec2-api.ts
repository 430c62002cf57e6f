/** The EC2 API (2016-11-15, ec2Query) for the calls a chaos monkey makes. */
import { z } from "zod";
import { defineAction } from "./actions.ts";
import type { ApiService, Touched } from "./actions.ts";
import { instanceStatusXml, reservationXml, stateXml } from "./ec2-views.ts";
import { SimError } from "./errors.ts";
import { matchesInstance } from "./filters.ts";
import type { Fleet } from "./fleet.ts";
import type { Ec2Instance } from "./model.ts";
import { paginate } from "./pagination.ts";
import { q } from "./query.ts";
import { ec2Error, ec2Response, items } from "./xml.ts";

export const EC2_VERSION = "2016-11-15";
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

const filters = q.list(z.object({ Name: q.string(), Value: q.list(z.string()) }));
const listInput = {
  InstanceId: q.list(z.string()),
  Filter: filters,
  MaxResults: q.int(5, 1000).optional(),
  NextToken: z.string().optional(),
  DryRun: q.bool().optional(),
};

const dryRun = (): SimError =>
  new SimError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", {
    status: 412,
  });

const invalidToken = (): SimError =>
  new SimError("InvalidParameterValue", "Invalid value for parameter NextToken");

export function createEc2Api(fleet: Fleet): ApiService {
  /** EC2 rejects the whole call when one id is malformed or unknown. */
  const lookup = (ids: string[]): Ec2Instance[] => {
    const malformed = ids.find((id) => !INSTANCE_ID.test(id));
    if (malformed !== undefined) {
      throw new SimError("InvalidInstanceID.Malformed", `Invalid id: "${malformed}"`);
    }
    const missing = ids.filter((id) => !fleet.instances.has(id));
    if (missing.length === 1) {
      throw new SimError(
        "InvalidInstanceID.NotFound",
        `The instance ID '${missing[0]}' does not exist`,
      );
    }
    if (missing.length > 1) {
      throw new SimError(
        "InvalidInstanceID.NotFound",
        `The instance IDs '${missing.join(", ")}' do not exist`,
      );
    }
    return ids.map((id) => fleet.instances.get(id) as Ec2Instance);
  };

  const touched = (ids: string[] | undefined): Touched =>
    ids?.length ? ids.flatMap((id) => fleet.instances.get(id)?.groupName ?? []) : "all";

  const select = (input: {
    InstanceId?: string[] | undefined;
    Filter?: { Name: string; Value?: string[] | undefined }[] | undefined;
    MaxResults?: number | undefined;
  }): Ec2Instance[] => {
    if (input.InstanceId?.length && input.MaxResults !== undefined) {
      throw new SimError(
        "InvalidParameterCombination",
        "The parameter instancesSet cannot be used with the parameter maxResults",
      );
    }
    const chosen = input.InstanceId?.length
      ? lookup(input.InstanceId)
      : [...fleet.instances.values()];
    const wanted = (input.Filter ?? []).map((f) => ({ name: f.Name, values: f.Value ?? [] }));
    return chosen.filter((instance) => matchesInstance(instance, wanted));
  };

  const actions = {
    DescribeInstances: defineAction(
      z.object(listInput),
      (input) => touched(input.InstanceId),
      (input) => {
        if (input.DryRun) throw dryRun();
        const page = paginate(select(input), input.MaxResults, input.NextToken, invalidToken());
        return { reservationSet: items(page.items.map(reservationXml)), nextToken: page.nextToken };
      },
    ),

    DescribeInstanceStatus: defineAction(
      z.object({ ...listInput, IncludeAllInstances: q.bool().optional() }),
      (input) => touched(input.InstanceId),
      (input) => {
        if (input.DryRun) throw dryRun();
        // Without IncludeAllInstances, EC2 reports running instances only.
        const shown = select(input).filter(
          (i) => input.IncludeAllInstances || i.state === "running",
        );
        const page = paginate(shown, input.MaxResults, input.NextToken, invalidToken());
        return {
          instanceStatusSet: items(page.items.map(instanceStatusXml)),
          nextToken: page.nextToken,
        };
      },
    ),

    TerminateInstances: defineAction(
      z.object({ InstanceId: z.array(z.string()).min(1), DryRun: q.bool().optional() }),
      (input) => touched(input.InstanceId),
      (input) => {
        lookup(input.InstanceId);
        if (input.DryRun) throw dryRun();
        const changes = fleet.terminateInstances(input.InstanceId);
        return {
          instancesSet: items(
            changes.map((c) => ({
              instanceId: c.instanceId,
              currentState: stateXml(c.current),
              previousState: stateXml(c.previous),
            })),
          ),
        };
      },
    ),
  };

  return {
    actions,
    respond: ec2Response,
    error: ec2Error,
    throttling: { code: "RequestLimitExceeded", message: "Request limit exceeded.", status: 503 },
  };
}
