// The suite's timings: one line per phase as it ends, and the same as JSON at the end (CI uploads
// the file), with each drill's write accounting beside its duration.
import * as fs from "fs";
import * as path from "path";

export interface PhaseTiming {
  phase: string;
  seconds: number;
  ok: boolean;
  error?: string;
  details?: Record<string, unknown>;
}

export class Timings {
  readonly phases: PhaseTiming[] = [];
  private readonly startedAt = new Date();

  /** Records a phase measured elsewhere (e.g. from Pulumi's engine events). */
  record(phase: string, seconds: number, details?: Record<string, unknown>): void {
    this.push({ phase, seconds, ok: true, ...(details ? { details } : {}) });
  }

  /** Runs and times a phase; a failure is recorded with its message and rethrown. */
  async time<T extends Record<string, unknown> | void>(phase: string, work: () => Promise<T>): Promise<T> {
    console.log(`\n== ${phase}`);
    const start = Date.now();
    try {
      const details = await work();
      this.push({ phase, seconds: (Date.now() - start) / 1000, ok: true, ...(details ? { details } : {}) });
      return details;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.push({ phase, seconds: (Date.now() - start) / 1000, ok: false, error });
      throw e;
    }
  }

  /** Records a phase that did not run, as a failure with the reason. */
  skip(phase: string, why: string): void {
    console.log(`\n== ${phase}`);
    this.push({ phase, seconds: 0, ok: false, error: why });
  }

  get ok(): boolean {
    return this.phases.every((p) => p.ok);
  }

  write(file: string, meta: Record<string, unknown>): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const json = {
      ...meta,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      ok: this.ok,
      phases: this.phases,
    };
    fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
  }

  summary(): string {
    const width = Math.max(...this.phases.map((p) => p.phase.length));
    return this.phases
      .map(
        (p) =>
          `  ${p.ok ? "ok  " : "FAIL"} ${p.phase.padEnd(width)} ${p.seconds.toFixed(1).padStart(7)} s${p.error ? `  ${p.error.split("\n")[0]}` : ""}`,
      )
      .join("\n");
  }

  private push(timing: PhaseTiming): void {
    this.phases.push(timing);
    console.log(
      `-- ${timing.ok ? "ok" : "FAILED"}: ${timing.phase} in ${timing.seconds.toFixed(1)} s${timing.error ? `: ${timing.error}` : ""}`,
    );
  }
}
