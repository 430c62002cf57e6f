import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { ServiceName } from "@macaque/shared";
import { entryPoint } from "../src/service-environment.ts";
import { imageFiles, readDockerfile, stage } from "./support/dockerfile.ts";
import { compiledFrom, repoFile, repoHas, workspaces } from "./support/repo.ts";

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (workspace: string) =>
  JSON.parse(repoFile(`${workspace}/package.json`)) as Manifest;

/** .dockerignore patterns as Docker reads them: a match excludes the path and all below it. */
function dockerignore(): (path: string) => boolean {
  const patterns = repoFile(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  expect(patterns.filter((p) => p.startsWith("!"))).toEqual([]);
  const regexes = patterns.map((pattern) => {
    const p = pattern.replace(/^\/+|\/+$/g, "");
    let re = "";
    for (let i = 0; i < p.length; i++) {
      const c = p[i]!;
      if (c === "*" && p[i + 1] === "*") {
        i++;
        if (p[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    return new RegExp(`^${re}(?:/.*)?$`);
  });
  return (path) => regexes.some((r) => r.test(path.replace(/^\.\//, "").replace(/\/+$/, "")));
}

/** The `-w` workspaces of the deps stage's `npm ci`. */
function runtimeWorkspaces(): string[] {
  const run = stage("deps").steps.find((s) => s.keyword === "RUN" && s.args.includes("ci"))!;
  const ci = run.args.slice(run.args.indexOf("ci"));
  const end = ci.indexOf("&&");
  const args = end >= 0 ? ci.slice(0, end) : ci;
  expect(args).toContain("--omit=dev");
  return args.flatMap((a, i) => (a === "-w" ? [args[i + 1]!] : []));
}

describe("the Dockerfile", () => {
  const { text, stages } = readDockerfile();

  it("passes the dockerfile-utils linter", () => {
    const problems = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it("builds every stage on node:24-bookworm-slim", () => {
    expect(text).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(stages.map((s) => [s.name, s.base])).toEqual([
      ["manifests", "scratch"],
      ["build", "${NODE_IMAGE}"],
      ["deps", "${NODE_IMAGE}"],
      ["runtime", "${NODE_IMAGE}"],
    ]);
  });

  it("copies from the context only files that exist and that .dockerignore lets in", () => {
    const ignored = dockerignore();
    for (const { steps } of stages) {
      for (const step of steps.filter((s) => s.keyword === "COPY" && !s.flags.from)) {
        for (const source of step.args.slice(0, -1)) {
          if (source === ".") continue;
          expect(repoHas(source), `line ${step.line}: ${source}`).toBe(true);
          expect(ignored(source), `line ${step.line}: ${source} is ignored`).toBe(false);
        }
      }
    }
  });

  it("keeps node_modules, dist, tests, cdk.out and .git out of the context", () => {
    const ignored = dockerignore();
    for (const path of [
      "node_modules",
      "shared/node_modules",
      "services/producer/dist",
      "services/producer/test",
      "infra/cdk.out",
      ".git",
      "shared/tsconfig.tsbuildinfo",
    ]) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ["services/producer/src/main.ts", "package-lock.json", "deploy/init.ts"]) {
      expect(ignored(path), path).toBe(false);
    }
  });

  it("gathers every workspace's manifest and the lockfile in one manifests stage", () => {
    const copied = stage("manifests")
      .steps.filter((s) => s.keyword === "COPY")
      .flatMap((s) => s.args.slice(0, -1));
    expect(copied.sort()).toEqual(
      ["package.json", "package-lock.json", ...workspaces().map((w) => `${w}/package.json`)].sort(),
    );
  });

  it.each(["build", "deps"])("copies the manifests stage before npm ci in %s", (name) => {
    const steps = stage(name).steps;
    const ci = steps.findIndex((s) => s.keyword === "RUN" && s.args.includes("ci"));
    const fromManifests = steps.findIndex(
      (s) => s.keyword === "COPY" && s.flags.from === "manifests",
    );
    expect(fromManifests).toBeGreaterThanOrEqual(0);
    expect(fromManifests).toBeLessThan(ci);
    expect(steps[fromManifests]!.args).toEqual(["/app", "./"]);
  });

  it("runs the same npm ci and npm run build (tsc -b over every workspace) as CI", () => {
    const runs = stage("build")
      .steps.filter((s) => s.keyword === "RUN")
      .map((s) => s.args.join(" "));
    expect(runs).toEqual(["npm ci --no-audit --no-fund", "npm run build"]);
    const root = JSON.parse(repoFile("package.json")) as { scripts: Record<string, string> };
    expect(root.scripts.build).toBe("tsc -b");
    const references = (
      JSON.parse(repoFile("tsconfig.json")) as { references: { path: string }[] }
    ).references.map((r) => r.path);
    expect(references.sort()).toEqual(workspaces().sort());
  });

  it("ships the compiled output of exactly the workspaces it installs", () => {
    const installed = runtimeWorkspaces();
    const compiled = imageFiles()
      .filter((f) => f.endsWith("/dist"))
      .map((f) => f.replace(/\/dist$/, ""));
    expect(compiled.sort()).toEqual(installed.sort());
    const names = new Map(workspaces().map((w) => [manifest(w).name, w]));
    for (const workspace of installed) {
      for (const dep of Object.keys(manifest(workspace).dependencies ?? {})) {
        const local = names.get(dep);
        if (local) expect(installed, `${workspace} needs ${local}`).toContain(local);
      }
    }
  });

  it("drops the installed workspaces' devDependencies before npm ci --omit=dev", () => {
    const run = stage("deps").steps.find((s) => s.keyword === "RUN")!;
    const command = run.args.join(" ");
    const deleteAt = command.indexOf("npm pkg delete devDependencies");
    expect(deleteAt).toBeGreaterThanOrEqual(0);
    const deleted = [...command.slice(deleteAt, command.indexOf("&&")).matchAll(/-w (\S+)/g)].map(
      (m) => m[1],
    );
    const withDevDeps = runtimeWorkspaces().filter(
      (w) => Object.keys(manifest(w).devDependencies ?? {}).length > 0,
    );
    expect(deleted).toEqual(expect.arrayContaining(withDevDeps));
  });

  it.each(Object.values(ServiceName))("holds the compiled entry point of %s", (service) => {
    const file = entryPoint(service);
    expect(compiledFrom(file)).toBe(`services/${service}/src/main.ts`);
    expect(imageFiles()).toContain(`services/${service}/dist`);
  });

  it("holds the fleet simulator's compiled entry point", () => {
    expect(compiledFrom("sandbox/fleet-sim/dist/main.js")).toBe("sandbox/fleet-sim/src/main.ts");
    expect(imageFiles()).toContain("sandbox/fleet-sim/dist");
  });

  it("runs as the node user under tini, with a health check and a default service", () => {
    const steps = stage("runtime").steps;
    const last = (keyword: string) => steps.filter((s) => s.keyword === keyword).at(-1);
    expect(last("USER")?.args).toEqual(["node"]);
    expect(last("ENTRYPOINT")).toMatchObject({ json: true, args: ["/usr/bin/tini", "--"] });
    expect(steps.find((s) => s.keyword === "RUN")?.args.join(" ")).toContain(
      "apt-get install -y --no-install-recommends tini",
    );
    expect(last("HEALTHCHECK")?.args.join(" ")).toContain('CMD ["node", "deploy/healthcheck.ts"]');
    expect(last("CMD")).toMatchObject({
      json: true,
      args: ["node", entryPoint(ServiceName.producer)],
    });
    // Everything after USER node runs unprivileged; nothing may switch back.
    const user = steps.findIndex((s) => s.keyword === "USER");
    expect(
      steps.slice(user).filter((s) => s.keyword === "RUN" || s.keyword === "USER"),
    ).toHaveLength(1);
  });

  it.each(["deploy/init.ts", "deploy/healthcheck.ts"])(
    "ships %s with only packages the runtime installs",
    (script) => {
      expect(imageFiles()).toContain(script);
      const provided = new Set(
        runtimeWorkspaces().flatMap((w) => [
          manifest(w).name,
          ...Object.keys(manifest(w).dependencies ?? {}),
        ]),
      );
      const imports = [...repoFile(script).matchAll(/\bfrom "([^"]+)";/g)]
        .map((m) => m[1]!)
        .filter((s) => !s.startsWith(".") && !s.startsWith("node:"));
      for (const specifier of imports) {
        const name = specifier.startsWith("@")
          ? specifier.split("/").slice(0, 2).join("/")
          : specifier.split("/")[0]!;
        expect(provided, `${script} imports ${name}`).toContain(name);
      }
    },
  );
});
