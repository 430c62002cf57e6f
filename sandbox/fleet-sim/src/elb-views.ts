/** Elastic Load Balancing's XML shapes (API 2015-12-01) for target groups and target health. */
import type { Target, TargetGroup } from "./model.ts";
import { members } from "./xml.ts";
import type { XmlNode } from "./xml.ts";

const VPC_ID = "vpc-0a1b2c3d4e5f60718";

export function targetGroupXml(tg: TargetGroup): XmlNode {
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: "HTTP",
    Port: tg.port,
    VpcId: VPC_ID,
    HealthCheckProtocol: "HTTP",
    HealthCheckPort: "traffic-port",
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: tg.healthCheckIntervalSeconds,
    // ELB wants the timeout below the interval; 5 s is its default for HTTP.
    HealthCheckTimeoutSeconds: Math.max(2, Math.min(5, tg.healthCheckIntervalSeconds - 1)),
    HealthyThresholdCount: tg.healthyThresholdCount,
    UnhealthyThresholdCount: 2,
    HealthCheckPath: "/",
    Matcher: { HttpCode: "200" },
    LoadBalancerArns: members([tg.loadBalancerArn]),
    TargetType: "instance",
    ProtocolVersion: "HTTP1",
    IpAddressType: "ipv4",
  };
}

/** Reason codes and descriptions as ELB words them; a healthy target has neither. */
const HEALTH: Readonly<Record<Target["state"], { Reason?: string; Description?: string }>> = {
  initial: {
    Reason: "Elb.RegistrationInProgress",
    Description: "Target registration is in progress",
  },
  healthy: {},
  unhealthy: { Reason: "Target.FailedHealthChecks", Description: "Health checks failed" },
  draining: {
    Reason: "Target.DeregistrationInProgress",
    Description: "Target deregistration is in progress",
  },
};

export function targetHealthXml(target: Target): XmlNode {
  return {
    Target: { Id: target.id, Port: target.port },
    HealthCheckPort: String(target.port),
    TargetHealth: { State: target.state, ...HEALTH[target.state] },
  };
}

/** What ELB answers for a target asked about by name that is not registered. */
export function unregisteredXml(id: string, port: number | undefined): XmlNode {
  return {
    Target: { Id: id, Port: port },
    TargetHealth: {
      State: "unused",
      Reason: "Target.NotRegistered",
      Description: "Target is not registered to the target group",
    },
  };
}
