/**
 * Turns the CloudFormation intrinsics in a synthesised value into the kind of
 * string the deployed service would see, so its environment can be parsed by its
 * real config schema. Anything not listed here fails loudly: a new token in an
 * environment variable deserves a look.
 */
export interface Stand {
  region: string;
  account: string;
  /** Logical id → resource type, from the template. */
  types: Record<string, string>;
}

const attributes: Record<string, Record<string, string>> = {
  "AWS::ElastiCache::ReplicationGroup": {
    "PrimaryEndPoint.Address": "master.macaque-abc123.xyzxyz.euw1.cache.amazonaws.com",
    "PrimaryEndPoint.Port": "6379",
  },
};

/** What `Ref` returns for a resource of this type. */
const references: Record<string, string> = {
  "AWS::S3::Bucket": "macaque-test-historybucket-1a2b3c4d5e6f",
};

export function resolveValue(value: unknown, stand: Stand): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === "string") {
    const pseudo: Record<string, string> = {
      "AWS::Region": stand.region,
      "AWS::AccountId": stand.account,
      "AWS::Partition": "aws",
      "AWS::URLSuffix": "amazonaws.com",
    };
    const found = pseudo[v.Ref] ?? references[stand.types[v.Ref] ?? ""];
    if (found !== undefined) return found;
  }
  if (Array.isArray(v["Fn::GetAtt"])) {
    const [id, attribute] = v["Fn::GetAtt"] as [string, string];
    const found = attributes[stand.types[id] ?? ""]?.[attribute];
    if (found !== undefined) return found;
  }
  if (Array.isArray(v["Fn::Join"])) {
    const [separator, parts] = v["Fn::Join"] as [string, unknown[]];
    return parts.map((p) => resolveValue(p, stand)).join(separator);
  }
  throw new Error(`no stand-in for ${JSON.stringify(value)}`);
}
