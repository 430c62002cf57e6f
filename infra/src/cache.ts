import { Port, SecurityGroup, type IVpc, type SubnetSelection } from "aws-cdk-lib/aws-ec2";
import {
  CfnParameterGroup,
  CfnReplicationGroup,
  CfnSubnetGroup,
} from "aws-cdk-lib/aws-elasticache";
import { Construct } from "constructs";

export interface CacheProps {
  vpc: IVpc;
  subnets: SubnetSelection;
  /** The services' security group: the only one let in. */
  clients: SecurityGroup;
  nodeType: string;
  replicas: number;
  /** Days of daily snapshots kept; 0 keeps none. */
  snapshotDays: number;
  prefix: string;
}

const port = 6379;

/**
 * Valkey for BullMQ's delayed recovery checks and the services' idempotency keys:
 * a non-cluster replication group (BullMQ's multi-key scripts need one keyspace),
 * TLS in transit, encrypted at rest, reachable only from the services.
 */
export class Cache extends Construct {
  readonly url: string;
  readonly securityGroup: SecurityGroup;
  readonly replicationGroup: CfnReplicationGroup;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      vpc: props.vpc,
      description: "macaque cache: the macaque services only",
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clients, Port.tcp(port), "macaque services");

    const subnetGroup = new CfnSubnetGroup(this, "Subnets", {
      description: "macaque cache subnets",
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    // BullMQ loses jobs if Redis evicts keys: the default volatile-lru policy must go.
    const parameters = new CfnParameterGroup(this, "Parameters", {
      cacheParameterGroupFamily: "valkey8",
      description: "macaque cache: no eviction (BullMQ)",
      properties: { "maxmemory-policy": "noeviction" },
    });

    const multiAz = props.replicas > 0;
    this.replicationGroup = new CfnReplicationGroup(this, "ReplicationGroup", {
      replicationGroupDescription: `macaque ${props.prefix}: BullMQ and idempotency keys`,
      engine: "valkey",
      engineVersion: "8.0",
      cacheNodeType: props.nodeType,
      numCacheClusters: 1 + props.replicas,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      port,
      cacheSubnetGroupName: subnetGroup.ref,
      cacheParameterGroupName: parameters.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      // ElastiCache offers no append-only file with Multi-AZ: durability is the
      // replica (failover in about a minute) plus daily snapshots to restore from.
      snapshotRetentionLimit: props.snapshotDays,
      ...(props.snapshotDays > 0 && { snapshotWindow: "03:00-04:00" }),
    });
    // rediss:// makes ioredis speak TLS, which transit encryption requires.
    this.url = `rediss://${this.replicationGroup.attrPrimaryEndPointAddress}:${this.replicationGroup.attrPrimaryEndPointPort}`;
  }
}
