/** What a query-protocol service is to the server: named actions and its XML dialect. */
import type { z } from "zod";
import { parseParams } from "./query.ts";
import type { QueryTree } from "./query.ts";
import type { XmlNode } from "./xml.ts";

/** The groups a call touches decide its throttling; "all" when it names none. */
export type Touched = string[] | "all";

export interface ParsedCall {
  touched: Touched;
  run(): XmlNode | undefined;
}

export interface Action {
  parse(tree: QueryTree): ParsedCall;
}

export interface ApiService {
  respond(action: string, result: XmlNode | undefined, requestId: string): string;
  error(code: string, message: string, requestId: string): string;
  throttling: { code: string; message: string; status: number };
  actions: Readonly<Record<string, Action>>;
}

export function defineAction<T>(
  schema: z.ZodType<T>,
  touched: (input: T) => Touched,
  run: (input: T) => XmlNode | undefined,
): Action {
  return {
    parse(tree) {
      const input = parseParams(schema, tree);
      return { touched: touched(input), run: () => run(input) };
    },
  };
}
