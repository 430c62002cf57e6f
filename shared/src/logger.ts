import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/** One root logger per process: JSON lines, ISO time, bound to the service name. */
export function createLogger(options: {
  service: string;
  level?: LevelWithSilent;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? process.stdout,
  );
}
