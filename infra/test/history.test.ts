import { beforeAll, describe, expect, it } from "vitest";
import type { ServiceName } from "@macaque/shared";
import {
  actionsOf,
  ofType,
  referencedIds,
  statementsByRole,
  synthesise,
  tasksByService,
  type Resource,
  type Statement,
} from "./support/template.ts";

/** The experiment archive in the synthesised stack: the bucket, who may touch it, the Athena table. */

const context = {
  senderEmail: "chaos@example.com",
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/macaque:test",
};

let resources: Record<string, Resource>;
let bucketId: string;
let bucket: Resource;
let byRole: Map<string, Statement[]>;
let roleOf: Record<ServiceName, string>;

beforeAll(() => {
  ({ resources } = synthesise(context));
  [[bucketId, bucket]] = ofType(resources, "AWS::S3::Bucket") as [[string, Resource]];
  byRole = statementsByRole(resources);
  const tasks = tasksByService(resources);
  roleOf = Object.fromEntries([...tasks].map(([s, t]) => [s, t.taskRole])) as Record<
    ServiceName,
    string
  >;
});

/** Statements naming the bucket or its objects, with their role. */
const bucketGrants = () =>
  [...byRole.entries()].flatMap(([role, statements]) =>
    statements
      .filter((s) => JSON.stringify(s.Resource).includes(bucketId))
      .map((s) => ({ role, actions: actionsOf(s), resource: JSON.stringify(s.Resource) })),
  );

describe("the history bucket", () => {
  it("is encrypted, never public, and refuses requests without TLS", () => {
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
      ],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [[, policy]] = ofType(resources, "AWS::S3::BucketPolicy") as [[string, Resource]];
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
  });

  it("expires records after the configured retention (default 400 days)", () => {
    const rulesOf = (b: Resource) =>
      (b.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rulesOf(bucket)).toEqual([
      expect.objectContaining({ Status: "Enabled", ExpirationInDays: 400 }),
    ]);
    const short = synthesise({ ...context, historyRetentionDays: "30" }).resources;
    const [[, shortBucket]] = ofType(short, "AWS::S3::Bucket") as [[string, Resource]];
    expect(rulesOf(shortBucket)).toEqual([
      expect.objectContaining({ Status: "Enabled", ExpirationInDays: 30 }),
    ]);
  });

  it("lets only the notifier write records, the producer its decisions, the terminator its results, and nobody delete", () => {
    const grants = bucketGrants();
    const writers = grants.filter((g) =>
      g.actions.some((a) => a !== "s3:GetObject" && a !== "s3:ListBucket"),
    );
    expect(writers.map(({ role, actions }) => ({ role, actions }))).toEqual([
      { role: roleOf.producer, actions: ["s3:GetObject", "s3:PutObject"] },
      { role: roleOf.terminator, actions: ["s3:GetObject", "s3:PutObject"] },
      { role: roleOf.notifier, actions: ["s3:PutObject"] },
    ]);
    // Their own logs only: never the archive's records.
    expect(writers[0]!.resource).toContain("/decisions/*");
    expect(writers[1]!.resource).toContain("/results/*");
    const readers = [
      ...new Set(grants.filter((g) => !writers.includes(g)).map((g) => g.role)),
    ].sort();
    const [[readerRole]] = ofType(resources, "AWS::IAM::Role").filter(([, r]) =>
      String(r.Properties.Description ?? "").startsWith("Reads macaque's experiment archive"),
    ) as [[string, Resource]];
    expect(readers).toEqual([roleOf["recovery-monitor"], readerRole].sort());
  });

  it("tells every service its name", () => {
    for (const [, task] of tasksByService(resources)) {
      const variable = task.container.Environment.find((e) => e.Name === "HISTORY_BUCKET");
      expect(referencedIds(variable?.Value)).toEqual([bucketId]);
    }
  });
});

describe("the Athena table", () => {
  it("projects the group and day partitions onto the archive's key layout", () => {
    const [[, table]] = ofType(resources, "AWS::Glue::Table") as [[string, Resource]];
    const input = table.Properties.TableInput as {
      Name: string;
      PartitionKeys: { Name: string }[];
      Parameters: Record<string, unknown>;
      StorageDescriptor: {
        SerdeInfo: { SerializationLibrary: string };
        Columns: { Name: string }[];
      };
    };
    expect(input.Name).toBe("experiments");
    expect(input.PartitionKeys.map((k) => k.Name)).toEqual(["asg", "day"]);
    expect(input.Parameters).toMatchObject({
      "projection.enabled": "true",
      "projection.asg.type": "injected",
      "projection.day.type": "date",
      "projection.day.format": "yyyy-MM-dd",
    });
    expect(JSON.stringify(input.Parameters["storage.location.template"])).toContain(
      "/experiments/asg=${asg}/date=${day}/",
    );
    expect(JSON.stringify(input.Parameters["storage.location.template"])).toContain(bucketId);
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      "org.openx.data.jsonserde.JsonSerDe",
    );
    expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(
      expect.arrayContaining([
        "experimentid",
        "outcome",
        "mode",
        "timetorecoverseconds",
        "startedat",
      ]),
    );
    const [[, database]] = ofType(resources, "AWS::Glue::Database") as [[string, Resource]];
    expect((database.Properties.DatabaseInput as { Name: string }).Name).toBe("chaos_history");
  });
});
