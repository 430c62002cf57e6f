// Moved to shared/ (the producer and the terminator limit their calls too).
export { createRateLimiter, type RateLimiter } from "@macaque/shared";
