// The Node.js this project needs, brought along when the machine's is too old.
//
// Development runs the TypeScript sources directly, which needs Node's built-in
// type stripping, on by default from Node 22.18.0 (the floor is
// package.json's `engines.node`). On an older Node every entry point (the npm
// scripts, `npx macaque`) would otherwise die with an error that names neither
// the cause nor the fix. Instead, `ensure-node.mjs` calls `runUnderSupportedNode()`
// first: on a new enough Node it does nothing; on an older one it installs the
// `node@24` npm package into a cache outside the repository (once), says so in one
// line, and runs the same command under it.
//
// Plain JavaScript with nothing newer than Node 14 can parse, on purpose: this is
// the code that has to run on the Node that is too old.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { setTimeout } from "node:timers";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Exit code when the right Node is missing and cannot be brought (README: Troubleshooting). */
export const NODE_MISSING_EXIT_CODE = 4;
/** What gets installed into the cache. */
export const NODE_PACKAGE = "node@24";

const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The lowest supported version, from package.json `engines.node` (`>=X.Y.Z`). */
export function requiredNode() {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
  const range = String((manifest.engines && manifest.engines.node) || "");
  const match = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!match) throw new Error(`package.json engines.node must be ">=X.Y.Z", not "${range}"`);
  return { range: range.trim(), floor: match.slice(1).map(Number) };
}

/** Whether `version` ("22.22.2" or "v22.22.2") is at least `floor` ([major, minor, patch]). */
export function isAtLeast(version, floor) {
  const parts = String(version).replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const part = parts[i] || 0;
    if (part !== floor[i]) return part > floor[i];
  }
  return true;
}

/** `${MACAQUE_NODE_DIR:-$HOME/.cache/macaque-node}`, the same place CI uses. */
export function nodeCacheDir(env) {
  return env.MACAQUE_NODE_DIR || path.join(os.homedir(), ".cache", "macaque-node");
}

/** The cached node binary, as `npm install --prefix DIR node@24` lays it out. */
export function cachedNodeBin(dir) {
  return path.join(dir, "node_modules", ".bin", "node");
}

/** Thrown when no suitable Node can be found or installed; the message is the one line to print. */
export class NodeMissingError extends Error {
  constructor(message) {
    super(message);
    this.name = "NodeMissingError";
  }
}

/**
 * A node binary that satisfies `engines.node`: this process's own when it does,
 * else the cached one, installing it first unless MACAQUE_NO_NODE_INSTALL is set.
 * `say` receives the one line that tells the user a different Node is used.
 */
export function findSupportedNode(options) {
  const env = options.env;
  const say = options.say;
  const required = requiredNode();
  const found = process.versions.node;
  if (isAtLeast(found, required.floor)) return { bin: process.execPath, version: found };

  const dir = nodeCacheDir(env);
  const bin = cachedNodeBin(dir);
  const fix = `npm install --prefix ${shellQuote(dir)} ${NODE_PACKAGE}`;
  const missing = (why) =>
    new NodeMissingError(
      `macaque: found Node.js ${found}, this project needs ${required.range}` +
        `${why ? ` (${why})` : ""}. Fix: ${fix}, or install Node.js 24 LTS; then run the command again.`,
    );
  const reason = `Node.js ${found} is older than the ${required.range} this project needs`;

  const cached = versionOf(bin);
  if (cached && isAtLeast(cached, required.floor)) {
    say(`macaque: ${reason}; running under Node.js ${cached} from ${dir}`);
    return { bin, version: cached };
  }
  if (env.MACAQUE_NO_NODE_INSTALL && env.MACAQUE_NO_NODE_INSTALL !== "0") {
    throw missing(
      `${cached ? `${dir} holds ${cached}` : `none in ${dir}`}; MACAQUE_NO_NODE_INSTALL is set`,
    );
  }

  const npm = npmCommand(env);
  if (!npm) throw missing("npm not found");
  say(`macaque: ${reason}; installing ${NODE_PACKAGE} into ${dir} (once) and running under it`);
  const failure = installNode(dir, npm, env);
  const installed = versionOf(bin);
  if (failure || !installed || !isAtLeast(installed, required.floor)) {
    throw missing(failure || `the installed node is ${installed || "not runnable"}`);
  }
  return { bin, version: installed };
}

/**
 * Installs NODE_PACKAGE into `dir`. A fresh cache is installed beside it and
 * renamed into place, so two commands started at once never see half an install.
 * Returns why it failed, or undefined.
 */
function installNode(dir, npm, env) {
  let target = dir;
  let staged = false;
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) {
      target = fs.mkdtempSync(`${dir}.partial-`);
      staged = true;
    }
  } catch (err) {
    return `cannot write ${path.dirname(dir)}: ${err.code || err.message}`;
  }
  const result = spawnSync(
    npm.command,
    [
      ...npm.args,
      "install",
      "--prefix",
      target,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
    ].concat(NODE_PACKAGE),
    { env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
  );
  let failure;
  if (result.error) {
    failure = `npm: ${result.error.message}`;
  } else if (result.status !== 0) {
    failure = `npm install failed: ${lastLine(result.stderr) || `exit ${result.status}`}`;
  }
  if (!staged) return failure;
  if (!failure) {
    try {
      // rename(2) replaces an empty directory; a non-empty one means another
      // command finished first, and its install is as good as ours.
      if (fs.existsSync(dir)) fs.rmdirSync(dir);
      fs.renameSync(target, dir);
      fs.chmodSync(dir, 0o755); // mkdtemp made it private; the cache is not
    } catch (err) {
      if (!versionOf(cachedNodeBin(dir)))
        failure = `cannot move the install into place: ${err.code}`;
    }
  }
  fs.rmSync(target, { recursive: true, force: true });
  return failure;
}

/** npm as the running npm script sees it (npm_execpath), else the one on PATH, else undefined. */
function npmCommand(env) {
  const execPath = env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath) && fs.existsSync(execPath)) {
    return { command: process.execPath, args: [execPath] };
  }
  const name = process.platform === "win32" ? "npm.cmd" : "npm";
  const onPath = (env.PATH || "")
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  return onPath ? { command: name, args: [] } : undefined;
}

/** `bin --version` without the "v", or undefined when it does not run. */
function versionOf(bin) {
  if (!fs.existsSync(bin)) return undefined;
  const result = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 30000 });
  const out = (result.stdout || "").trim();
  return result.status === 0 && /^v\d+\.\d+\.\d+/.test(out) ? out.slice(1) : undefined;
}

function lastLine(text) {
  const lines = String(text || "")
    .split("\n")
    .map((line) => line.replace(/^npm (error|ERR!) ?/, "").trim())
    .filter(Boolean);
  const line = lines[lines.length - 1] || "";
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

function shellQuote(text) {
  return /^[\w@%+=:,./~-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * Makes sure this command runs on a supported Node. Returns at once when it
 * already does; otherwise runs the same command (node options, script,
 * arguments) under the cached Node, with the terminal, exit code and signals
 * passed through, and never returns. Exits NODE_MISSING_EXIT_CODE when no
 * suitable Node can be had.
 */
export async function runUnderSupportedNode(preloadFile) {
  // Children need not load the check again (and a relative --import would
  // break in one started from another directory).
  const execArgv = withoutPreload(process.execArgv, preloadFile);
  let node;
  try {
    node = findSupportedNode({
      env: process.env,
      say: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (err) {
    if (!(err instanceof NodeMissingError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(NODE_MISSING_EXIT_CODE);
  }
  if (node.bin === process.execPath) {
    process.execArgv.splice(0, process.execArgv.length, ...execArgv);
    return;
  }
  const child = spawn(node.bin, [...execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: {
      ...process.env,
      PATH: `${path.dirname(node.bin)}${path.delimiter}${process.env.PATH || ""}`,
    },
  });
  // Ctrl-C reaches the child from the terminal itself (same process group), and
  // the child decides how to stop; the others are passed on.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP", "SIGQUIT"]) {
    process.on(signal, () => child.kill(signal));
  }
  await new Promise(() => {
    child.on("error", (err) => {
      process.stderr.write(`macaque: cannot run ${node.bin}: ${err.message}\n`);
      process.exit(NODE_MISSING_EXIT_CODE);
    });
    child.on("exit", (status, signal) => {
      if (status !== null) process.exit(status);
      // Die of the same signal, so the shell sees what the child saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 0)), 1000);
    });
  });
}

function withoutPreload(execArgv, preloadFile) {
  if (!preloadFile) return execArgv.slice();
  const isPreload = (spec) => {
    try {
      return path.resolve(spec.startsWith("file:") ? fileURLToPath(spec) : spec) === preloadFile;
    } catch {
      return false;
    }
  };
  const out = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (arg === "--import" && isPreload(execArgv[i + 1] || "")) i++;
    else if (!(arg.startsWith("--import=") && isPreload(arg.slice("--import=".length))))
      out.push(arg);
  }
  return out;
}

// `node scripts/node-runtime.mjs --which` prints the path of a supported node
// binary (installing it when needed) for scripts that put it on their PATH (.ci/run).
if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  if (process.argv[2] !== "--which") {
    process.stderr.write("usage: node scripts/node-runtime.mjs --which\n");
    process.exit(2);
  }
  try {
    const node = findSupportedNode({
      env: process.env,
      say: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${node.bin}\n`);
  } catch (err) {
    if (!(err instanceof NodeMissingError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(NODE_MISSING_EXIT_CODE);
  }
}
