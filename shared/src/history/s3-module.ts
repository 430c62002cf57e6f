import { createRequire } from "node:module";
import type * as S3 from "@aws-sdk/client-s3";

const require = createRequire(import.meta.url);
let loaded: typeof S3 | undefined;

/**
 * `@aws-sdk/client-s3`, loaded on first use rather than when a service imports
 * `@macaque/shared/history`: its code is a few MiB of every process's memory and
 * tens of milliseconds of its start-up, and a service without HISTORY_BUCKET never
 * needs it. Loaded with `require` so that building a client stays synchronous; the
 * package has no `exports` map, so `import` and `require` both load its
 * `dist-cjs/index.js`: one module, and `instanceof NoSuchKey` holds either way.
 */
export function loadS3(): typeof S3 {
  loaded ??= require("@aws-sdk/client-s3") as typeof S3;
  return loaded;
}
