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
