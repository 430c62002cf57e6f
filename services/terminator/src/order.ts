import { terminationOrderSchema, type TerminationOrder } from "@macaque/shared";

export type OrderParseResult =
  { ok: true; order: TerminationOrder } | { ok: false; reasons: string[] };

/** Reads a termination order from an SQS body; reasons name the field at fault. */
export function parseOrder(body: string | undefined): OrderParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch (err) {
    return { ok: false, reasons: [`body is not JSON: ${(err as Error).message}`] };
  }
  const result = terminationOrderSchema.safeParse(json);
  if (result.success) return { ok: true, order: result.data };
  return {
    ok: false,
    reasons: result.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  };
}
