/** EC2's XML shapes (API 2016-11-15) for instances, state changes and status checks. */
import type { Ec2Instance, Ec2StateName } from "./model.ts";
import { EC2_STATE_CODES } from "./model.ts";
import { items, timestamp } from "./xml.ts";
import type { XmlNode } from "./xml.ts";

const OWNER_ID = "123456789012";

export const stateXml = (name: Ec2StateName): XmlNode => ({ code: EC2_STATE_CODES[name], name });

export function reservationXml(instance: Ec2Instance): XmlNode {
  return {
    reservationId: instance.reservationId,
    ownerId: OWNER_ID,
    groupSet: items([]),
    instancesSet: items([instanceXml(instance)]),
  };
}

function instanceXml(instance: Ec2Instance): XmlNode {
  const terminated = instance.state === "terminated";
  const dnsName = `ip-${instance.privateIpAddress.replaceAll(".", "-")}.ec2.internal`;
  return {
    instanceId: instance.id,
    imageId: instance.imageId,
    instanceState: stateXml(instance.state),
    // A terminated instance has given up its network interface, as in EC2.
    privateDnsName: terminated ? "" : dnsName,
    dnsName: "",
    reason: instance.stateTransitionReason,
    amiLaunchIndex: 0,
    productCodes: "",
    instanceType: instance.instanceType,
    launchTime: timestamp(instance.launchTime),
    placement: { availabilityZone: instance.availabilityZone, groupName: "", tenancy: "default" },
    monitoring: { state: "disabled" },
    privateIpAddress: terminated ? undefined : instance.privateIpAddress,
    stateReason: instance.stateTransitionReason
      ? {
          code: "Client.UserInitiatedShutdown",
          message: "Client.UserInitiatedShutdown: User initiated shutdown",
        }
      : undefined,
    architecture: "x86_64",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    virtualizationType: "hvm",
    hypervisor: "xen",
    tagSet: items(instance.tags.map(({ key, value }) => ({ key, value }))),
  };
}

export function instanceStatusXml(instance: Ec2Instance): XmlNode {
  const status =
    instance.state === "running"
      ? "ok"
      : instance.state === "pending"
        ? "initializing"
        : "not-applicable";
  const check =
    status === "ok" ? "passed" : status === "initializing" ? "initializing" : "not-applicable";
  const summary = { status, details: items([{ name: "reachability", status: check }]) };
  return {
    instanceId: instance.id,
    availabilityZone: instance.availabilityZone,
    instanceState: stateXml(instance.state),
    systemStatus: summary,
    instanceStatus: summary,
  };
}
