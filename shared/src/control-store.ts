import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
  type Parameter,
} from "@aws-sdk/client-ssm";
import { createAwsClient, type AwsClientOptions } from "./aws.ts";
import {
  controlNames,
  inFlightRecordSchema,
  readAbortValue,
  readHaltValue,
  safeJson,
  type AbortRecord,
  type HaltRecord,
  type InFlightRecord,
} from "./control.ts";

/**
 * The controls in SSM Parameter Store (names in `control.ts`). Reads that fail
 * throw ControlUnreadableError: a caller about to terminate must not go on as if
 * nothing were set (fail closed), and the error is not permanent, so an order is
 * redelivered until the switch can be read or the order's window has passed.
 */
export class ControlUnreadableError extends Error {
  override name = "ControlUnreadableError";
}

export interface ControlStore {
  readonly names: ReturnType<typeof controlNames>;
  /** The switch, or undefined when it was never set. One GetParameter. */
  readHalt(): Promise<HaltRecord | undefined>;
  /**
   * The switch and these experiments' aborts together: one GetParameters (at most
   * `orderControlsPerRead` experiments, as the API takes 10 names a call).
   */
  readOrderControls(experimentIds: readonly string[]): Promise<OrderControlsRead[]>;
  /** Every abort by experiment id: GetParametersByPath, 10 a page. */
  readAborts(): Promise<Map<string, AbortRecord>>;
  readInFlight(): Promise<InFlightRecord[]>;
  writeHalt(record: HaltRecord): Promise<void>;
  writeAbort(record: AbortRecord): Promise<void>;
  noteInFlight(record: InFlightRecord): Promise<void>;
  /** Removes an in-flight note; one already gone is fine. */
  forgetInFlight(experimentId: string): Promise<void>;
}

/** What one read of the controls says about one experiment's order. */
export interface OrderControlsRead {
  experimentId: string;
  halt?: HaltRecord;
  abort?: AbortRecord;
}

/** GetParameters takes 10 names: the switch and nine aborts. */
export const orderControlsPerRead = 9;

const isNotFound = (err: unknown): boolean =>
  err instanceof Error && err.name === "ParameterNotFound";

export function createControlStore(options: { ssm: SSMClient; path: string }): ControlStore {
  const { ssm } = options;
  const names = controlNames(options.path);

  const unreadable = (what: string, err: unknown): ControlUnreadableError =>
    new ControlUnreadableError(
      `could not read ${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
      { cause: err },
    );

  async function byPath(path: string, what: string): Promise<Parameter[]> {
    const found: Parameter[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await ssm.send(
          new GetParametersByPathCommand({
            Path: path,
            Recursive: false,
            MaxResults: 10,
            NextToken: token,
          }),
        );
        found.push(...(out.Parameters ?? []));
        token = out.NextToken;
      } while (token);
    } catch (err) {
      throw unreadable(what, err);
    }
    return found;
  }

  const lastSegment = (name: string | undefined): string => name?.split("/").pop() ?? "";

  const put = async (name: string, value: unknown): Promise<void> => {
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: JSON.stringify(value),
        Type: "String",
        Overwrite: true,
      }),
    );
  };

  return {
    names,
    async readHalt() {
      try {
        const out = await ssm.send(new GetParameterCommand({ Name: names.halt }));
        return readHaltValue(out.Parameter?.Value);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw unreadable(`the kill switch ${names.halt}`, err);
      }
    },
    async readOrderControls(experimentIds) {
      if (experimentIds.length > orderControlsPerRead) {
        throw new RangeError(
          `at most ${orderControlsPerRead} experiments a read, got ${experimentIds.length}`,
        );
      }
      const abortNames = experimentIds.map((id) => names.abort(id));
      let parameters: Parameter[];
      try {
        const out = await ssm.send(
          new GetParametersCommand({ Names: [names.halt, ...abortNames] }),
        );
        parameters = out.Parameters ?? [];
      } catch (err) {
        throw unreadable(`the kill switch ${names.halt} and ${abortNames.join(", ")}`, err);
      }
      const value = (name: string) => parameters.find((p) => p.Name === name)?.Value;
      const halt = readHaltValue(value(names.halt));
      return experimentIds.map((experimentId) => {
        const abortValue = value(names.abort(experimentId));
        return {
          experimentId,
          ...(halt && { halt }),
          ...(abortValue !== undefined && { abort: readAbortValue(experimentId, abortValue) }),
        };
      });
    },
    async readAborts() {
      const found = await byPath(names.aborts, `the aborts under ${names.aborts}`);
      return new Map(
        found.map((p) => {
          const id = lastSegment(p.Name);
          return [id, readAbortValue(id, p.Value ?? "")] as const;
        }),
      );
    },
    async readInFlight() {
      const found = await byPath(names.experiments, `the experiments under ${names.experiments}`);
      return found.flatMap((p) => {
        const parsed = inFlightRecordSchema.safeParse(safeJson(p.Value ?? ""));
        return parsed.success ? [parsed.data] : [];
      });
    },
    writeHalt: (record) => put(names.halt, record),
    writeAbort: (record) => put(names.abort(record.experimentId), record),
    noteInFlight: (record) => put(names.experiment(record.experimentId), record),
    async forgetInFlight(experimentId) {
      try {
        await ssm.send(new DeleteParameterCommand({ Name: names.experiment(experimentId) }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

/** A store on its own SSM client (built as every AWS client is), for a service's main. */
export function connectControlStore(
  aws: AwsClientOptions,
  path: string,
): ControlStore & { destroy(): void } {
  const ssm = createAwsClient(SSMClient, aws);
  return { ...createControlStore({ ssm, path }), destroy: () => ssm.destroy() };
}
