/**
 * Preloaded (`node --import`) into every Node child of the sandbox. The children
 * run in their own process group, so a terminal's Ctrl-C reaches only the
 * sandbox, which stops them in order. The price: if the sandbox itself dies
 * without stopping them (SIGKILL, a crash), nothing signals them. Their stdin is
 * a pipe from the sandbox, and the OS closes it when the sandbox goes, so its
 * end is the cue to stop gracefully, as on SIGTERM.
 */
process.stdin.once("end", () => process.kill(process.pid, "SIGTERM"));
process.stdin.resume();
// Watching stdin must not keep a process alive that would otherwise exit.
process.stdin.unref();
