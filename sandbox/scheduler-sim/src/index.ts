export { startSchedulerSim, type SchedulerSim, type SchedulerSimOptions } from "./server.ts";
export { createSimClock, type Firing, type SimClock } from "./firing.ts";
export { createSchedulerSimControl, type SchedulerSimControl } from "./control-client.ts";
export { loadSchedulerSimConfig, type SchedulerSimConfig } from "./config.ts";
