import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { CfnDatabase, CfnTable } from "aws-cdk-lib/aws-glue";
import { AccountRootPrincipal, PolicyStatement, Role, type IRole } from "aws-cdk-lib/aws-iam";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/**
 * The experiment archive: one S3 bucket (encrypted, never public, TLS only,
 * records expire after the retention), written by the notifier alone and read
 * by the recovery-monitor (regressions) and the CLI's role (`macaque history`,
 * `show`, `trend`); and a Glue table over `experiments/` with partition
 * projection on the group and the day, so Athena queries the archive without
 * a crawler or partition maintenance. The key layout is shared/src/history/keys.ts.
 */
export interface HistoryProps {
  retentionDays: number;
  prefix: string;
}

/** Columns of the Athena table: the record's top-level fields (JSON keys match case-insensitively). */
export const historyColumns = [
  { name: "experimentid", type: "string" },
  { name: "kind", type: "string" },
  { name: "outcome", type: "string" },
  { name: "verdict", type: "string" },
  { name: "mode", type: "string" },
  { name: "dryrun", type: "boolean" },
  { name: "startedat", type: "string" },
  { name: "endedat", type: "string" },
  { name: "requestid", type: "string" },
  { name: "requestedby", type: "string" },
  { name: "victims", type: "int" },
  { name: "timetorecoverseconds", type: "double" },
  { name: "checkintervalseconds", type: "double" },
  { name: "regression", type: "string" },
] as const;

export class History extends Construct {
  readonly bucket: Bucket;
  readonly database: CfnDatabase;
  readonly table: CfnTable;
  /** For the people and tools that run `macaque history`, `show` and `trend`. */
  readonly readerRole: Role;

  constructor(scope: Construct, id: string, props: HistoryProps) {
    super(scope, id);
    this.bucket = new Bucket(this, "Bucket", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // The archive outlives a `cdk destroy`: it is the record of what was done.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: "retention",
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    const databaseName = `${props.prefix.toLowerCase().replaceAll("-", "_")}_history`;
    this.database = new CfnDatabase(this, "Database", {
      catalogId: Stack.of(this).account,
      databaseInput: {
        name: databaseName,
        description: "macaque's experiment archive (one row per experiment)",
      },
    });
    const location = `s3://${this.bucket.bucketName}/experiments/`;
    this.table = new CfnTable(this, "Table", {
      catalogId: Stack.of(this).account,
      databaseName,
      tableInput: {
        name: "experiments",
        description: "One JSON record per experiment, partitioned by group and day",
        tableType: "EXTERNAL_TABLE",
        partitionKeys: [
          { name: "asg", type: "string" },
          { name: "day", type: "string" },
        ],
        parameters: {
          classification: "json",
          "projection.enabled": "true",
          // Any group name, given in the query (WHERE asg = ... or IN (...)).
          "projection.asg.type": "injected",
          "projection.day.type": "date",
          "projection.day.format": "yyyy-MM-dd",
          "projection.day.range": "2026-01-01,NOW",
          "projection.day.interval": "1",
          "projection.day.interval.unit": "DAYS",
          "storage.location.template": `${location}asg=\${asg}/date=\${day}/`,
        },
        storageDescriptor: {
          location,
          columns: historyColumns.map((c) => ({ ...c })),
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serdeInfo: {
            serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
            parameters: { "ignore.malformed.json": "true" },
          },
        },
      },
    });
    this.table.addDependency(this.database);

    this.readerRole = new Role(this, "ReaderRole", {
      assumedBy: new AccountRootPrincipal(),
      description: "Reads macaque's experiment archive: macaque history, show and trend",
    });
    this.grantRead(this.readerRole);
  }

  /** The notifier: it writes records and index entries, and reads nothing. */
  grantArchive(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["s3:PutObject"],
        resources: [this.bucket.arnForObjects("*")],
      }),
    );
  }

  /**
   * The producer: its first decision per experiment id, written once and read back
   * after a Redis loss (shared/src/history/write-once-log.ts); nothing else.
   */
  grantDecisions(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [this.bucket.arnForObjects("decisions/*")],
      }),
    );
  }

  /**
   * The terminator: its first result per experiment id, written once and read back
   * after a Redis loss (services/terminator/src/result-log.ts); nothing else.
   */
  grantResults(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [this.bucket.arnForObjects("results/*")],
      }),
    );
  }

  /** The recovery-monitor and the CLI's role: list the index, get records. */
  grantRead(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["s3:ListBucket"], resources: [this.bucket.bucketArn] }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [this.bucket.arnForObjects("*")],
      }),
    );
  }
}
