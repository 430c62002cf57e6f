/**
 * The container health probe of the image, compose and ECS: exits 0 when the URL
 * answers 2xx in time, 1 otherwise. The slim base image has no curl; Node's fetch
 * does the job without adding a package.
 *
 *   node deploy/healthcheck.ts [url]   (default http://127.0.0.1:${HTTP_PORT:-8080}/healthz)
 */
import { fileURLToPath } from "node:url";

export function healthUrl(env: Record<string, string | undefined>): string {
  return `http://127.0.0.1:${env.HTTP_PORT || "8080"}/healthz`;
}

export async function isHealthy(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

// Run as a script (not when a test imports it); import.meta.main needs Node 24.2+.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const healthy = await isHealthy(process.argv[2] ?? healthUrl(process.env), 3_000);
  process.exit(healthy ? 0 : 1);
}
