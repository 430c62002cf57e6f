import {
  GetIdentityVerificationAttributesCommand,
  ListIdentitiesCommand,
  type SESClient,
} from "@aws-sdk/client-ses";
import type { Logger } from "@macaque/shared";

/**
 * Everyone enrolled with `macaque recipients add` receives every report: the
 * email identities SES has verified, minus the sender's own. Read through a
 * short cache, since a report is rare and SES's identity calls are rate-limited.
 * If SES cannot be asked, the last answer stands (or nobody extra): a report is
 * never held up by the enrolment list.
 */
export function createEnrolledRecipients(options: {
  ses: SESClient;
  senderEmail: string;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
}): () => Promise<string[]> {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: { at: number; addresses: string[] } | undefined;
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.addresses;
    try {
      const verified = await listVerifiedEmails(options.ses);
      const sender = options.senderEmail.toLowerCase();
      cached = { at: now(), addresses: verified.filter((a) => a.toLowerCase() !== sender) };
    } catch (err) {
      options.logger.warn(
        { event: "recipients.enrolled-unavailable", err },
        "could not read the enrolled recipients from SES; using the last known list",
      );
    }
    return cached?.addresses ?? [];
  };
}

async function listVerifiedEmails(ses: SESClient): Promise<string[]> {
  const identities: string[] = [];
  let token: string | undefined;
  do {
    const page = await ses.send(
      new ListIdentitiesCommand({ IdentityType: "EmailAddress", MaxItems: 1000, NextToken: token }),
    );
    identities.push(...(page.Identities ?? []));
    token = page.NextToken;
  } while (token);
  const verified: string[] = [];
  // GetIdentityVerificationAttributes takes at most 100 identities per call.
  for (let i = 0; i < identities.length; i += 100) {
    const chunk = identities.slice(i, i + 100);
    const out = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: chunk }));
    for (const identity of chunk) {
      if (out.VerificationAttributes?.[identity]?.VerificationStatus === "Success") {
        verified.push(identity);
      }
    }
  }
  return verified;
}
