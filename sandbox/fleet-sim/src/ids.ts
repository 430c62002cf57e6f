/** Identifiers drawn from the injected random source, so a pinned RNG pins every id. */
export interface Ids {
  hex(length: number): string;
  uuid(): string;
  /** `i-` + 17 hex chars, never one that `taken` reports as used. */
  instanceId(taken: (id: string) => boolean): string;
  privateIpAddress(): string;
}

export function createIds(random: () => number): Ids {
  let counter = 0;
  const hex = (length: number): string => {
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
    return out;
  };
  return {
    hex,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`,
    instanceId(taken) {
      const id = `i-${hex(17)}`;
      if (!taken(id)) return id;
      // A pinned RNG (tests pass `() => 0.5`) repeats itself; a counter keeps ids unique.
      let fallback: string;
      do {
        counter += 1;
        fallback = `${id.slice(0, 11)}${counter.toString(16).padStart(8, "0")}`;
      } while (taken(fallback));
      return fallback;
    },
    privateIpAddress: () =>
      `10.0.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
  };
}
