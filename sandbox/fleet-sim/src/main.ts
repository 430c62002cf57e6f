/** Process entry: read the environment, start the simulator, seed it, stop on a signal. */
import { pino } from "pino";
import { loadConfig, readSeed } from "./config.ts";
import { createFleetSimControl } from "./control-client.ts";
import { ConfigError } from "./errors.ts";
import { startFleetSim } from "./server.ts";

const logger = pino({ base: { service: "fleet-sim" } });

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const sim = await startFleetSim({
    port: config.port,
    host: config.host,
    timeScale: config.timeScale,
    logger,
    events: config.events,
  });
  const stop = (signal: string): void => {
    logger.info({ event: "fleet-sim.stopping", signal }, "stopping");
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ event: "fleet-sim.stop-failed", err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);

  if (config.seedFile !== undefined) {
    const control = createFleetSimControl(sim.url);
    for (const [index, group] of (await readSeed(config.seedFile)).entries()) {
      await control.createGroup(group).catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ConfigError(
          `FLEET_SIM_SEED=${config.seedFile}: group [${index}] not created: ${reason}`,
        );
      });
      logger.info({ event: "fleet-sim.group-seeded", group: group.name }, "group seeded");
    }
  }
  logger.info(
    { event: "fleet-sim.listening", url: sim.url, timeScale: config.timeScale },
    "listening",
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`fleet-sim: ${err.message}\n`);
  } else {
    logger.error({ event: "fleet-sim.failed", err }, "fleet simulator failed");
  }
  process.exit(1);
});
