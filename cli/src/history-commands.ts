import { writeFile } from "node:fs/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  createS3Client,
  listHistory,
  localHistoryBucket,
  readRecord,
  type HistoryEntry,
} from "@macaque/shared/history";
import { explainErrors, recordEndpoints, type AwsService } from "./aws-middleware.ts";
import { resolveRegion } from "./aws.ts";
import { loadCliConfig } from "./config.ts";
import type { CliDeps } from "./commands.ts";
import { InfrastructureError, InvalidInputError } from "./errors.ts";
import { ExitCode } from "./exit-codes.ts";
import { formatHistoryTable, parseSince } from "./history-table.ts";
import { trendHtml, trendPlot, trendPoints } from "./trend.ts";

/**
 * `macaque history`, `show` and `trend`: read-only, from the experiment archive
 * (HISTORY_BUCKET) through the unmodified S3 client. `history` and `trend`
 * read only the index (a listing), never a record; `show` reads one record.
 */

interface Archive {
  s3: S3Client;
  bucket: string;
  done(): void;
}

async function openArchive(deps: CliDeps): Promise<Archive> {
  const config = loadCliConfig(deps.env);
  const region = await resolveRegion(config);
  const endpoint = config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL;
  // A stand-in's bucket is the one the sandbox and compose create for the name
  // prefix; a real bucket's name is the CDK app's HistoryBucketName output.
  const bucket =
    config.HISTORY_BUCKET ??
    (endpoint !== undefined ? localHistoryBucket(config.MACAQUE_NAME_PREFIX) : undefined);
  if (bucket === undefined) {
    throw new InvalidInputError(
      "no history bucket: set HISTORY_BUCKET (the HistoryBucketName output of the CDK stack)",
    );
  }
  const endpoints = new Map<AwsService, string>();
  const s3 = explainErrors(
    recordEndpoints(
      createS3Client({
        region,
        endpoint,
        maxAttempts: config.AWS_MAX_ATTEMPTS,
        requestTimeoutMs: config.AWS_REQUEST_TIMEOUT_MS,
      }),
      "S3",
      endpoints,
    ),
    "S3",
    endpoints,
  );
  return { s3, bucket, done: () => s3.destroy() };
}

/** A missing bucket names the variable to fix. */
async function reading<T>(archive: Archive, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchBucket") {
      throw new InfrastructureError(
        `the history bucket ${archive.bucket} does not exist (HISTORY_BUCKET)`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    archive.done();
  }
}

export interface HistoryFlags {
  asg?: string | undefined;
  since?: string | undefined;
  outcome?: string[] | undefined;
  json?: boolean | undefined;
  limit?: string | undefined;
  after?: string | undefined;
}

export async function historyCommand(deps: CliDeps, flags: HistoryFlags): Promise<ExitCode> {
  const since =
    flags.since === undefined ? undefined : parseSince(flags.since, new Date(deps.terminal.now()));
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new InvalidInputError(`--limit ${flags.limit}: must be a whole number from 1 to 10000`);
  }
  const outcomes = flags.outcome?.flatMap((o) => o.split(",")).filter(Boolean);
  const archive = await openArchive(deps);
  const page = await reading(archive, () =>
    listHistory(archive.s3, archive.bucket, {
      ...(flags.asg !== undefined && { asg: flags.asg }),
      ...(since && { since }),
      limit,
      ...(flags.after !== undefined && { after: flags.after }),
      ...(outcomes?.length && { filter: (e: HistoryEntry) => outcomes.includes(e.outcome) }),
    }),
  );
  const { out, err } = deps.terminal;
  if (flags.json) {
    for (const entry of page.entries) out.write(`${JSON.stringify(entry)}\n`);
  } else {
    out.write(`${formatHistoryTable(page.entries).join("\n")}\n`);
  }
  if (page.next !== undefined) {
    const again = [
      "macaque history",
      flags.asg !== undefined && `--asg ${flags.asg}`,
      flags.since !== undefined && `--since ${flags.since}`,
      outcomes?.length && `--outcome ${outcomes.join(",")}`,
      flags.limit !== undefined && `--limit ${limit}`,
      flags.json && "--json",
      `--after '${page.next}'`,
    ]
      .filter(Boolean)
      .join(" ");
    err.write(`more: ${again}\n`);
  }
  return ExitCode.recovered;
}

export async function showCommand(
  deps: CliDeps,
  experimentId: string,
  flags: { html?: string | undefined; json?: boolean | undefined },
): Promise<ExitCode> {
  const archive = await openArchive(deps);
  const record = await reading(archive, () => readRecord(archive.s3, archive.bucket, experimentId));
  if (!record) {
    throw new InvalidInputError(
      `no experiment ${experimentId} in the history bucket ${archive.bucket}`,
    );
  }
  const report = record.report as { text: string; html: string };
  if (flags.json) {
    deps.terminal.out.write(`${JSON.stringify(record)}\n`);
  } else if (flags.html !== undefined) {
    await writeFile(flags.html, report.html);
    deps.terminal.err.write(`wrote the report of ${experimentId} as HTML to ${flags.html}\n`);
  } else {
    deps.terminal.out.write(report.text.endsWith("\n") ? report.text : `${report.text}\n`);
  }
  return ExitCode.recovered;
}

export async function trendCommand(
  deps: CliDeps,
  flags: {
    asg: string;
    since?: string | undefined;
    html?: string | undefined;
    mode?: string | undefined;
  },
): Promise<ExitCode> {
  const sinceText = flags.since ?? "90d";
  const since = parseSince(sinceText, new Date(deps.terminal.now()));
  const archive = await openArchive(deps);
  const page = await reading(archive, () =>
    listHistory(archive.s3, archive.bucket, {
      asg: flags.asg,
      since,
      filter: (e) =>
        e.outcome === "recovered" && (flags.mode === undefined || e.mode === flags.mode),
    }),
  );
  const points = trendPoints(page.entries);
  const period = `since ${since.toISOString().slice(0, 10)} (--since ${sinceText})`;
  const { out, err } = deps.terminal;
  out.write(`time to recover of ${flags.asg}, ${points.length} recovered runs ${period}\n`);
  out.write(`${trendPlot(points).join("\n")}\n`);
  if (flags.html !== undefined) {
    await writeFile(flags.html, trendHtml(flags.asg, points, period));
    err.write(`wrote the trend page to ${flags.html}\n`);
  }
  return ExitCode.recovered;
}
