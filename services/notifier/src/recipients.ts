import { chunk, isEmailAddress } from "@macaque/shared";

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
}

export function resolveRecipients(
  fromEvent: readonly string[],
  defaults: readonly string[],
): Recipients {
  const addresses = new Set<string>();
  const dropped: string[] = [];
  for (const raw of [...fromEvent, ...defaults]) {
    const address = raw.trim().toLowerCase();
    if (isEmailAddress(address)) addresses.add(address);
    else dropped.push(raw);
  }
  return { addresses: [...addresses], dropped };
}

/** Splits recipients into SES-sized groups, each one email. */
export const chunkRecipients = (
  addresses: readonly string[],
  size = maxRecipientsPerEmail,
): string[][] => chunk(addresses, size);
