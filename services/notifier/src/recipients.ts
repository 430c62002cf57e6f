import { chunk, isEmailAddress, isEmailDomainAllowed } from "@macaque/shared";

/**
 * Who gets the email: the addresses the event names plus the configured
 * defaults, lower-cased and de-duplicated. A rejected request's addresses were
 * never validated, so anything that is not a plain address is dropped here
 * rather than handed to SES (or into a header).
 */

/** SES accepts at most 50 recipients per message. */
const maxRecipientsPerEmail = 50;

export interface Recipients {
  addresses: string[];
  /** What was given but is not an address, for the log. */
  dropped: string[];
  /** Addresses outside ALLOWED_EMAIL_DOMAINS, never e-mailed, for the log. */
  outside: string[];
}

/**
 * ALLOWED_EMAIL_DOMAINS applies to every address, the defaults and enrolled ones
 * too: the producer refuses jobs naming others, and this is the second line, for
 * a rejection's unvalidated addresses and a misconfigured default.
 */
export function resolveRecipients(
  fromEvent: readonly string[],
  defaults: readonly string[],
  allowedDomains: readonly string[] = [],
): Recipients {
  const addresses = new Set<string>();
  const dropped: string[] = [];
  const outside: string[] = [];
  for (const raw of [...fromEvent, ...defaults]) {
    const address = raw.trim().toLowerCase();
    if (!isEmailAddress(address)) dropped.push(raw);
    else if (!isEmailDomainAllowed(address, allowedDomains)) outside.push(address);
    else addresses.add(address);
  }
  return { addresses: [...addresses], dropped, outside };
}

/** Splits recipients into SES-sized groups, each one email. */
export const chunkRecipients = (
  addresses: readonly string[],
  size = maxRecipientsPerEmail,
): string[][] => chunk(addresses, size);
