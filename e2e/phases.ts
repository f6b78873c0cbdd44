// The order of the suite's phases after the first up. A failed check does not stop the phases after
// it: each says what it found, so one run shows every broken promise. A failed drill may leave the
// cluster broken, so the drills after it are not run (recorded as failed, with the reason); the
// checks still run.
import type { Timings } from "./timings";

export interface Phase {
  name: string;
  kind: "check" | "drill";
  work: () => Promise<Record<string, unknown>>;
}

/** Runs the phases in order; `beforeEach` may throw to stop the run (Ctrl-C). Resolves when all ran or were skipped. */
export async function runPhases(phases: Phase[], timings: Timings, beforeEach: () => void = () => undefined): Promise<void> {
  let failedDrill: string | undefined;
  for (const phase of phases) {
    beforeEach();
    if (phase.kind === "drill" && failedDrill !== undefined) {
      timings.skip(phase.name, `not run: the drill "${failedDrill}" failed before it`);
      continue;
    }
    try {
      await timings.time(phase.name, phase.work);
    } catch {
      // Recorded by timings.time with its message.
      if (phase.kind === "drill") failedDrill = phase.name;
    }
  }
}
