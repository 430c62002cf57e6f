/**
 * The SES identities the sandbox knows, in memory. Real SES mails a link and
 * keeps the address Pending until it is clicked; nobody clicks in a sandbox, so
 * an address is verified (Success) the moment it is enrolled. Tests that need
 * the other states set them through the front's control endpoint.
 */

export const verificationStatuses = [
  "Pending",
  "Success",
  "Failed",
  "TemporaryFailure",
  "NotStarted",
] as const;
export type VerificationStatus = (typeof verificationStatuses)[number];

export type IdentityType = "EmailAddress" | "Domain";

export interface IdentityStore {
  /** Enrols an identity, or re-enrols it: a re-verified identity is verified again. */
  verify(identity: string): void;
  setStatus(identity: string, status: VerificationStatus): void;
  /** Identities in enrolment order, optionally of one type, one page at a time. */
  list(options: { type?: IdentityType; maxItems?: number; nextToken?: string }): {
    identities: string[];
    nextToken?: string;
  };
  /** Status of each identity asked about that is known; unknown ones are left out, as SES does. */
  statuses(identities: readonly string[]): Map<string, VerificationStatus>;
  delete(identity: string): void;
}

const identityTypeOf = (identity: string): IdentityType =>
  identity.includes("@") ? "EmailAddress" : "Domain";

export function createIdentityStore(): IdentityStore {
  const known = new Map<string, VerificationStatus>();
  return {
    verify: (identity) => void known.set(identity, "Success"),
    setStatus: (identity, status) => void known.set(identity, status),
    list({ type, maxItems = 1000, nextToken }) {
      const all = [...known.keys()].filter((i) => !type || identityTypeOf(i) === type);
      // The token is the offset: enough for one process's in-memory list.
      const start = nextToken ? Number(nextToken) || 0 : 0;
      const identities = all.slice(start, start + maxItems);
      const end = start + identities.length;
      return end < all.length ? { identities, nextToken: String(end) } : { identities };
    },
    statuses(identities) {
      const out = new Map<string, VerificationStatus>();
      for (const identity of identities) {
        const status = known.get(identity);
        if (status) out.set(identity, status);
      }
      return out;
    },
    delete: (identity) => void known.delete(identity),
  };
}
