import fc from "fast-check";

/**
 * Adversarial job-message bodies, for the property tests and the fault suite:
 * not JSON at all, JSON that is not an object, job messages with a field of the
 * wrong type, huge or fractional numbers, unknown and prototype-polluting keys,
 * deep nesting, oversized values, lone surrogates (what invalid UTF-8 becomes
 * once decoded) and control characters in every string.
 */

const controlChars = fc.constantFrom(
  "\r\n",
  "\n",
  "\r",
  "\u0000",
  "\u0007",
  "\u001b[2J",
  "\u007f",
  "\u2028",
  "\u2029",
  "\t",
);

/** A string with control characters and header-like lines spliced in. */
export const hostileString = fc
  .tuple(fc.string({ maxLength: 40 }), controlChars, fc.string({ maxLength: 40 }))
  .map(([a, c, b]) => `${a}${c}Subject: pwned${c}${b}`);

const hugeNumber = fc.constantFrom(
  1e308,
  -1e308,
  2 ** 53 + 1,
  -(2 ** 63),
  1e-320,
  0.5,
  -1,
  0,
  1e21,
  123_456_789_012,
);

const prototypeKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString");

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  hugeNumber,
  hostileString,
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 2 }), { maxKeys: 4 }),
);

/** A well-formed job message to start from. */
const validJob = fc.record({
  asg: fc.constantFrom("web", "api", "worker"),
  count: fc.integer({ min: 1, max: 3 }),
  dryRun: fc.boolean(),
});

const jobFields = [
  "asg",
  "count",
  "percent",
  "mode",
  "dryRun",
  "availabilityZone",
  "recovery",
  "notify",
  "requestId",
  "requestedBy",
  "seed",
  "version",
] as const;

/** A job message with one field given a value of the wrong kind. */
const wrongType = fc
  .tuple(validJob, fc.constantFrom(...jobFields), wrongValue)
  .map(([job, field, value]) => JSON.stringify({ ...job, [field]: value }));

/** Hostile strings in every string a job message has. */
const hostileStrings = fc
  .record({
    asg: hostileString,
    requestedBy: hostileString,
    requestId: hostileString,
    seed: hostileString,
    availabilityZone: hostileString,
    emails: fc.array(hostileString, { maxLength: 3 }),
    mode: hostileString,
  })
  .map(({ emails, ...strings }) =>
    JSON.stringify({ ...strings, count: 1, notify: { emails }, recovery: { targetSeconds: 5 } }),
  );

/** Unknown keys, prototype keys among them, up to thousands of them. */
const unknownKeys = fc
  .tuple(
    validJob,
    fc.array(fc.tuple(fc.oneof(prototypeKey, fc.string({ maxLength: 30 })), wrongValue), {
      minLength: 1,
      maxLength: 30,
    }),
    fc.integer({ min: 0, max: 5_000 }),
  )
  .map(([job, pairs, many]) => {
    // JSON text, not an object literal: "__proto__" stays a key of its own.
    const extra = pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`);
    for (let i = 0; i < many; i++) extra.push(`"unknown${i}":${i}`);
    const body = JSON.stringify(job);
    return `${body.slice(0, -1)},${extra.join(",")}}`;
  });

/** Nesting far deeper than any job message has. */
const deepNesting = fc
  .tuple(fc.integer({ min: 50, max: 5_000 }), fc.constantFrom("recovery", "notify", "asg", "x"))
  .map(
    ([depth, field]) =>
      `{"asg":"web","count":1,"${field}":${"[".repeat(depth)}${"]".repeat(depth)}}`,
  );

/** Values far larger than any limit. */
const oversized = fc
  .tuple(
    fc.constantFrom("asg", "requestedBy", "requestId", "seed"),
    fc.integer({ min: 300, max: 300_000 }),
  )
  .map(([field, size]) => JSON.stringify({ asg: "web", count: 1, [field]: "x".repeat(size) }));

const notJson = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("", "{", '{"asg":', "null", "[]", "42", '"web"', "true", "\uFEFF{}"),
);

const notAnObject = fc
  .jsonValue({ maxDepth: 3 })
  .map((v) => JSON.stringify(v))
  .filter((s) => !s.startsWith("{"));

/** Lone surrogates: invalid UTF-8 as it arrives once decoded. */
const loneSurrogates = fc
  .constantFrom("\ud800", "\udfff", "\ud83d")
  .map((s) => `{"asg":"web${s}","count":1,"requestedBy":"a${s}"}`);

/** Any adversarial body; each must be rejected. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  notJson,
  notAnObject,
  wrongType,
  hostileStrings,
  unknownKeys,
  deepNesting,
  oversized,
  loneSurrogates,
);

/**
 * SQS accepts only these characters in a message body (its send fails on any
 * other, so none reaches a consumer). fauxqs also refuses the supplementary
 * planes, which SQS takes, so they are replaced too.
 */
export const sqsSendable = (body: string): string =>
  body.replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd]/gu, "\ufffd");
