// A Job's pod, as the suites run it: plain `node` on the committed jobs bundle with the Job's
// environment, killed (SIGKILL, as a node loss or an OOM kill ends a pod) as soon as its output
// shows it got somewhere.
import { spawn } from "child_process";
import { JOBS_BUNDLE } from "../components/node-job/bundle-file";

/** Runs `node jobs.js <job>` with `env` and kills it (SIGKILL) as soon as its output matches `at`; bounded (60 s). */
export function runBundledJobUntil(job: string, env: Record<string, string>, at: RegExp): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [JOBS_BUNDLE, job], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let killed = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
    const look = (chunk: Buffer) => {
      output += chunk.toString();
      if (!killed && at.test(output)) {
        killed = true;
        child.kill("SIGKILL");
      }
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve({ killed, output });
    });
  });
}
