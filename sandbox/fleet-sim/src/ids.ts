/** Identifiers drawn from the injected random source, so a pinned RNG pins every id. */
export interface Ids {
  hex(length: number): string;
  uuid(): string;
  /** `i-` + 17 hex chars, never one that `taken` reports as used. */
  instanceId(taken: (id: string) => boolean): string;
  privateIpAddress(): string;
}

export function createIds(random: () => number): Ids {
  let issued = 0;
  let fallbacks = 0;
  const hex = (length: number): string => {
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
    return out;
  };
  return {
    hex,
    uuid: () => {
      const variant = (8 + Math.floor(random() * 4)).toString(16);
      // The tail counts up, so ids stay unique even when a test pins the RNG.
      issued += 1;
      const tail = (issued % 0x1_0000_0000).toString(16).padStart(8, "0");
      return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(4)}${tail}`;
    },
    instanceId(taken) {
      const id = `i-${hex(17)}`;
      if (!taken(id)) return id;
      // A pinned RNG (tests pass `() => 0.5`) repeats itself; a counter keeps ids unique.
      let fallback: string;
      do {
        fallbacks += 1;
        fallback = `${id.slice(0, 11)}${fallbacks.toString(16).padStart(8, "0")}`;
      } while (taken(fallback));
      return fallback;
    },
    privateIpAddress: () => `10.0.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
  };
}
