import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../../../", import.meta.url);

/** Absolute path of a file given from the repository root. */
export const repoPath = (path: string): string => fileURLToPath(new URL(path, root));
export const repoFile = (path: string): string => readFileSync(repoPath(path), "utf8");
export const repoHas = (path: string): boolean => existsSync(repoPath(path));

/** The workspace folders of the root package.json, e.g. `services/producer`. */
export const workspaces = (): string[] =>
  (JSON.parse(repoFile("package.json")) as { workspaces: string[] }).workspaces;

/**
 * Where `tsc -b` writes a workspace's compiled entry, if it compiles `src` to
 * `dist`: `services/producer/src/main.ts` → `services/producer/dist/main.js`.
 */
export function compiledFrom(distFile: string): string | undefined {
  const match = /^(.+)\/dist\/(.+)\.js$/.exec(distFile);
  if (!match) return undefined;
  const [, workspace, rest] = match;
  if (!repoHas(`${workspace}/tsconfig.json`)) return undefined;
  const tsconfig = JSON.parse(repoFile(`${workspace}/tsconfig.json`)) as {
    compilerOptions?: { rootDir?: string; outDir?: string };
    include?: string[];
  };
  const { rootDir, outDir } = tsconfig.compilerOptions ?? {};
  if (rootDir !== "src" || outDir !== "dist" || !tsconfig.include?.includes("src"))
    return undefined;
  const source = `${workspace}/src/${rest}.ts`;
  return repoHas(source) ? source : undefined;
}
