/**
 * A meeting point: each party either passes (and waits until `expected` parties have arrived) or
 * leaves (arrives without waiting); once that many have arrived, everyone goes, in one turn of
 * the event loop, and later parties go at once.
 *
 * The table stages meet here before submitting their merges, so the task pool receives every
 * table's copy and count together and starts the costliest first. Without it, a table whose own
 * reads finished first took both idle workers, and the biggest table's copy ran last, alone (1 GB
 * drop: bookings' copy and count first, then searches' copy on the critical path, 2.3-2.8 s).
 */
export interface Party {
  /** Arrives and waits for the others. */
  pass(): Promise<void>;
  /** Arrives without waiting (a table that merges nothing, or failed before its merge); idempotent. */
  leave(): void;
}

/** A meeting point for `expected` parties (see the module comment); `join()` once per party. */
export function gather(expected: number): { join(): Party } {
  let arrived = 0;
  const waiting: (() => void)[] = [];
  const arrive = () => {
    if (++arrived >= expected) for (const go of waiting.splice(0)) go();
  };
  return {
    join() {
      let here = false;
      const come = () => {
        if (here) return;
        here = true;
        arrive();
      };
      return {
        pass() {
          const going = arrived >= expected ? Promise.resolve() : new Promise<void>((go) => waiting.push(go));
          come();
          return going;
        },
        leave() {
          come();
        },
      };
    },
  };
}
