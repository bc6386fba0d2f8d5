// The order of measured runs. Round-robin (run 1 of every contender, then run 2 of every
// contender, ...) so that noise from the shared machine, page-cache state and thermal drift is
// spread over all contenders alike instead of landing on whichever ran during the disturbance.

export interface ScheduledRun<Name extends string> {
  contender: Name;
  /** 1-based run number of this contender. */
  run: number;
}

export function interleave<Name extends string>(contenders: readonly Name[], runs: number): ScheduledRun<Name>[] {
  const order: ScheduledRun<Name>[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const contender of contenders) order.push({ contender, run });
  }
  return order;
}
