export { startSesFront, type SesFront, type SesFrontOptions } from "./server.ts";
export {
  createIdentityStore,
  verificationStatuses,
  type IdentityStore,
  type VerificationStatus,
} from "./identities.ts";
