/**
 * Writes the job message's JSON Schema to shared/schema/job-message.v1.json.
 * A test fails when the committed file drifts from the zod schema: run
 * `npm run schema` after changing it.
 */
import { writeFileSync } from "node:fs";
import { jobMessageJsonSchema } from "@macaque/shared";

export const schemaFile = new URL("../schema/job-message.v1.json", import.meta.url);

writeFileSync(schemaFile, `${JSON.stringify(jobMessageJsonSchema(), null, 2)}\n`);
console.log(`wrote ${schemaFile.pathname.split("/").slice(-3).join("/")}`);
