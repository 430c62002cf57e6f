import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { repoFile } from "./repo.ts";

export interface Step {
  keyword: string;
  /** Arguments without flags; for the JSON form, the decoded strings. */
  args: string[];
  flags: Record<string, string>;
  /** Whether it used the JSON (exec) form. */
  json: boolean;
  line: number;
}

export interface Stage {
  name: string;
  base: string;
  steps: Step[];
}

function stepOf(instruction: Instruction): Step {
  const withJson = instruction as Instruction & {
    getJSONStrings?: () => { getJSONValue(): string }[];
    getFlags?: () => { getName(): string; getValue(): string | null }[];
  };
  const jsonStrings = withJson.getJSONStrings?.() ?? [];
  const flags = Object.fromEntries(
    (withJson.getFlags?.() ?? []).map((f) => [f.getName(), f.getValue() ?? ""]),
  );
  return {
    keyword: instruction.getKeyword(),
    args:
      jsonStrings.length > 0
        ? jsonStrings.map((s) => s.getJSONValue())
        : instruction.getArguments().map((a) => a.getValue()),
    flags,
    json: jsonStrings.length > 0,
    line: instruction.getRange().start.line + 1,
  };
}

/** The Dockerfile split into its stages (the ARGs before the first FROM are left out). */
export function readDockerfile(): { text: string; stages: Stage[] } {
  const text = repoFile("Dockerfile");
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const step = stepOf(instruction);
    if (step.keyword === "FROM") {
      const asAt = step.args.findIndex((a) => a.toUpperCase() === "AS");
      stages.push({ name: asAt >= 0 ? step.args[asAt + 1]! : "", base: step.args[0]!, steps: [] });
    } else {
      stages.at(-1)?.steps.push(step);
    }
  }
  return { text, stages };
}

export const stage = (name: string): Stage => {
  const found = readDockerfile().stages.find((s) => s.name === name);
  if (!found) throw new Error(`the Dockerfile has no stage ${name}`);
  return found;
};

/**
 * Paths, from the repository root, that the runtime image holds beyond its
 * manifests and node_modules: compiled `dist` folders from the build stage and
 * files copied straight from the context.
 */
export function imageFiles(): string[] {
  return stage("runtime").steps.flatMap((step) => {
    if (step.keyword !== "COPY") return [];
    const sources = step.args.slice(0, -1);
    if (step.flags.from === "build") return sources.map((s) => s.replace(/^\/app\//, ""));
    if (step.flags.from === undefined) return sources;
    return [];
  });
}
