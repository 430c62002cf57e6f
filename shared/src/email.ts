import { z } from "zod";

/**
 * What macaque accepts as an e-mail address, everywhere: the job message, the
 * notifier's configuration and its last check before SES, the CLI's enrolment.
 * One rule, so an address accepted at the edge is never dropped at send.
 * zod's address rule is deliberately plain (no quotes, spaces, angle brackets
 * or comments), which also keeps anything header-like out of SES.
 */
export const emailAddressSchema = z.email("must be an email address such as chaos@example.com");

/** Addresses longer than this are refused by SMTP (RFC 5321), whatever their shape. */
const maxAddressLength = 254;

export const isEmailAddress = (text: string): boolean =>
  text.length <= maxAddressLength && emailAddressSchema.safeParse(text).success;

/** A domain name as ALLOWED_EMAIL_DOMAINS lists it: `example.com`, `mail.example.co.uk`. */
export const emailDomainSchema = z
  .string()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "must be a domain name such as example.com",
  );

/** The part after the last `@`, lower-cased: what ALLOWED_EMAIL_DOMAINS is matched against. */
export const emailDomainOf = (address: string): string =>
  address.slice(address.lastIndexOf("@") + 1).toLowerCase();

/**
 * Whether an address may receive reports: every address when the list is empty
 * (the default), else only those whose domain is listed exactly (a subdomain is
 * its own entry: listing example.com does not admit mail.example.com).
 */
export const isEmailDomainAllowed = (address: string, domains: readonly string[]): boolean =>
  domains.length === 0 || domains.includes(emailDomainOf(address));
