import type { S3Client } from "@aws-sdk/client-s3";
import { awsClientConfig, type AwsClientOptions } from "../aws.ts";
import {
  idPointerKey,
  indexKeys,
  indexPrefixFor,
  parseIndexKey,
  recordKey,
  sinceBoundary,
  type HistoryEntry,
} from "./keys.ts";
import { loadS3 } from "./s3-module.ts";

/**
 * The archive's reads and writes, through the unmodified S3 client. A stand-in
 * (fauxqs, LocalStack) is reached path-style: its host names are not bucket
 * DNS names. Real S3 (no endpoint variable) keeps virtual-hosted style.
 */
export function createS3Client(
  options: AwsClientOptions & {
    /** The stand-in's URL (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL); unset for real S3. */
    endpoint?: string | undefined;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  },
): S3Client {
  const { S3Client } = loadS3();
  return new S3Client({
    ...awsClientConfig(options),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.credentials && { credentials: options.credentials }),
    forcePathStyle: options.endpoint !== undefined,
  });
}

/** The history bucket a service was given, with its client. */
export interface HistoryBucket {
  /** Built, and `@aws-sdk/client-s3` loaded, on first read (s3-module.ts). */
  readonly s3: S3Client;
  bucket: string;
  /** Destroys the client if it was built. */
  destroy(): void;
}

/**
 * The history bucket when HISTORY_BUCKET is set (the archive, the producer's
 * decisions, the terminator's results), undefined when it is not: S3 at
 * AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) in the sandbox and compose. Its
 * client is built on first use, so a service pays for the S3 SDK only once it
 * reads or writes the bucket.
 */
export function connectHistoryBucket(
  aws: AwsClientOptions,
  config: {
    HISTORY_BUCKET?: string | undefined;
    AWS_ENDPOINT_URL_S3?: string | undefined;
    AWS_ENDPOINT_URL?: string | undefined;
  },
): HistoryBucket | undefined {
  const bucket = config.HISTORY_BUCKET;
  if (bucket === undefined) return undefined;
  const endpoint = config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL;
  let s3: S3Client | undefined;
  return {
    get s3() {
      s3 ??= createS3Client({ ...aws, endpoint });
      return s3;
    },
    bucket,
    destroy: () => s3?.destroy(),
  };
}

/** What the notifier archives for one experiment: the record and its index entry. */
export interface ArchiveItem {
  entry: HistoryEntry;
  /** The whole record; it is written as one JSON line (Athena's JSON SerDe reads a line per row). */
  record: object;
}

/**
 * Writes the record first, then the id pointer, then both index entries, so an
 * index entry never names a record that is missing. Every key and body is a
 * function of the event, so a redelivery writes the same objects again.
 */
export async function writeArchive(
  s3: S3Client,
  bucket: string,
  item: ArchiveItem,
): Promise<string> {
  const { PutObjectCommand } = loadS3();
  const key = recordKey(item.entry);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(item.record),
      ContentType: "application/json",
    }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: idPointerKey(item.entry.experimentId),
      Body: key,
      ContentType: "text/plain",
    }),
  );
  for (const indexKey of indexKeys(item.entry)) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: indexKey, Body: new Uint8Array(0) }));
  }
  return key;
}

export interface HistoryQuery {
  /** One group; every group when absent. */
  asg?: string;
  /** Only experiments started at or after this. */
  since?: Date;
  /** Stop after this many entries (that pass `filter`). */
  limit?: number;
  /** Resume after this index key (the `next` of an earlier page). */
  after?: string;
  filter?: (entry: HistoryEntry) => boolean;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `after` for the next page; absent on the last one. */
  next?: string;
  /** ListObjectsV2 calls made. */
  calls: number;
}

/** S3's (and fauxqs's) most keys per listing. */
const pageSize = 1_000;

/**
 * As many keys as the query can use: full pages for a trend, the rows wanted
 * for a page of history, ten times that when a filter drops some.
 */
function pageKeys(query: HistoryQuery, wanted: number): number {
  if (!Number.isFinite(wanted)) return pageSize;
  return Math.min(pageSize, query.filter ? Math.max(100, wanted * 10) : wanted);
}

/** Newest first, from the index alone: one ListObjectsV2 per 1,000 entries on S3, no record read. */
export async function listHistory(
  s3: S3Client,
  bucket: string,
  query: HistoryQuery,
): Promise<HistoryPage> {
  const prefix = indexPrefixFor(query.asg);
  const boundary = query.since && sinceBoundary(prefix, query.since);
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  const entries: HistoryEntry[] = [];
  let token: string | undefined;
  let calls = 0;
  const { ListObjectsV2Command } = loadS3();
  for (;;) {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: pageKeys(query, limit - entries.length),
        ...(token ? { ContinuationToken: token } : query.after ? { StartAfter: query.after } : {}),
      }),
    );
    calls++;
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? "";
      if (boundary && key > boundary) return { entries, calls };
      const entry = parseIndexKey(key);
      if (!entry || (query.filter && !query.filter(entry))) continue;
      entries.push(entry);
      if (entries.length >= limit) return { entries, next: key, calls };
    }
    if (!page.IsTruncated || !page.NextContinuationToken) return { entries, calls };
    token = page.NextContinuationToken;
  }
}

/** The record of one experiment, or undefined when the archive has none. */
export async function readRecord(
  s3: S3Client,
  bucket: string,
  experimentId: string,
): Promise<Record<string, unknown> | undefined> {
  const key = await readText(s3, bucket, idPointerKey(experimentId));
  if (key === undefined) return undefined;
  const body = await readText(s3, bucket, key);
  return body === undefined ? undefined : (JSON.parse(body) as Record<string, unknown>);
}

/** Whether the archive holds the experiment: one GET of its id pointer. */
export async function isArchived(
  s3: S3Client,
  bucket: string,
  experimentId: string,
): Promise<boolean> {
  return (await readText(s3, bucket, idPointerKey(experimentId))) !== undefined;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  const { GetObjectCommand } = loadS3();
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body?.transformToString();
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey") return undefined;
    throw err;
  }
}

/** Creates the bucket unless it exists (sandbox and compose provisioning); true when created. */
export async function ensureHistoryBucket(s3: S3Client, bucket: string): Promise<boolean> {
  const { CreateBucketCommand, HeadBucketCommand } = loadS3();
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404 && (err as { name?: string }).name !== "NotFound") throw err;
  }
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return true;
}
