/**
 * Child-process entry for fauxqs (SQS + SNS + S3). It listens on 127.0.0.1 at
 * FAUXQS_PORT (0 picks a free port) and prints one JSON line with its address
 * once ready, so the parent never has to guess a port.
 *
 * fauxqs's `startFauxqs` always listens on 0.0.0.0 (its `host` option only names
 * queue URLs), which would put every queue of the sandbox on the network. Its
 * `buildApp` is the same server without the listen, so the sandbox listens on
 * loopback itself, like every other stand-in. `buildApp` takes the stores but
 * not the persistence that `startFauxqs` wires into them, so with
 * FAUXQS_S3_DIR set this wires fauxqs's own file-based S3 persistence the way
 * `startFauxqs` does (loaded before it is attached, so loading writes nothing):
 * the history bucket survives a restart, while queues and topics stay in memory
 * (the sandbox provisions them at every start). fauxqs is pinned (2.4.1), and
 * its package exports only its entry, so the stores are imported by file.
 */
import { buildApp } from "fauxqs";

const s3Dir = process.env.FAUXQS_S3_DIR;
const app = buildApp({
  logger: false,
  ...(s3Dir ? { stores: await persistentStores(s3Dir) } : {}),
});
const address = await app.listen({
  host: "127.0.0.1",
  port: Number(process.env.FAUXQS_PORT ?? "0"),
});
process.stdout.write(`${JSON.stringify({ event: "ready", url: address })}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

interface S3Persistence {
  loadS3(store: unknown): void;
}

async function persistentStores(dir: string) {
  const dist = new URL("./", import.meta.resolve("fauxqs"));
  const load = async <T>(file: string, name: string): Promise<T> =>
    ((await import(new URL(file, dist).href)) as Record<string, T>)[name]!;
  const SqsStore = await load<new () => object>("sqs/sqsStore.js", "SqsStore");
  const SnsStore = await load<new () => object>("sns/snsStore.js", "SnsStore");
  const S3Store = await load<new () => { persistence?: unknown }>("s3/s3Store.js", "S3Store");
  const FileS3Persistence = await load<new (dir: string) => S3Persistence>(
    "s3/fileS3Persistence.js",
    "FileS3Persistence",
  );
  const s3Store = new S3Store();
  const persistence = new FileS3Persistence(dir);
  persistence.loadS3(s3Store);
  s3Store.persistence = persistence;
  return { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store } as unknown as NonNullable<
    Parameters<typeof buildApp>[0]
  >["stores"];
}
