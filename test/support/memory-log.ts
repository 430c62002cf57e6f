import type { WriteOnceLog } from "@macaque/shared/history";

/**
 * The durable write-once log's contract in memory: the first write wins
 * (shared/src/history/write-once-log.ts does it on S3; the end-to-end tests use that).
 */
export function memoryLog(): WriteOnceLog & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    read: async (id) => objects.get(id),
    writeOnce: async (id, json) => {
      if (!objects.has(id)) objects.set(id, json);
      return objects.get(id)!;
    },
  };
}
