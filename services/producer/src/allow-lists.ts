import { isEmailDomainAllowed, type Reason } from "@macaque/shared";

/**
 * The operator's optional allow-lists, both off (empty) by default: who may send a
 * job message (by SQS's `SenderId`, the principal AWS authenticated for the
 * SendMessage) and which domains its reports may go to. A refusal names the sender
 * or the address and the variable to change; nothing else about the job is judged.
 */
export interface AllowLists {
  /** ALLOWED_SENDER_IDS: account ids, IAM user ids, role ids (any session of the role). */
  senderIds: readonly string[];
  /** ALLOWED_EMAIL_DOMAINS. */
  emailDomains: readonly string[];
}

/**
 * SQS's SenderId is an account id (`123456789012`), an IAM user id (`AIDA...`), or
 * a role id and session (`AROA...:i-0abc`, a new session per ECS task or Lambda
 * run): an entry matches itself or, for a role id, any of its sessions.
 */
export function senderReason(
  senderId: string | undefined,
  allowed: readonly string[],
): Reason | undefined {
  if (allowed.length === 0) return undefined;
  const ok =
    senderId !== undefined &&
    allowed.some((id) => senderId === id || senderId.startsWith(`${id}:`));
  if (ok) return undefined;
  return {
    code: "sender-not-allowed",
    message: `not terminating: the message was sent by ${senderId === undefined ? "an unknown sender (SQS gave no SenderId)" : senderId}, which is not in ALLOWED_SENDER_IDS`,
  };
}

/** Every address outside ALLOWED_EMAIL_DOMAINS, each with its own reason and path. */
export function emailDomainReasons(
  emails: readonly string[],
  allowed: readonly string[],
): Reason[] {
  return emails.flatMap((address, index) =>
    isEmailDomainAllowed(address, allowed)
      ? []
      : [
          {
            code: "email-domain-not-allowed",
            path: `notify.emails.${index}`,
            message: `notify.emails.${index}: ${address} is outside ALLOWED_EMAIL_DOMAINS (${allowed.join(", ")}): reports go only to those domains`,
          },
        ],
  );
}
