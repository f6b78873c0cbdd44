// The release's zkCli.sh as a client of a LocalEnsemble (a Java client, as an application's): one
// session fed commands on stdin, bounded, its whole process group killed after (zkCli.sh runs `java`
// as a child of bash: killed by group, never by name).
import * as path from "path";
import { spawn } from "child_process";
import { LocalEnsemble } from "./zk-ensemble";

/** Runs zkCli.sh against `server` with `flags` (CLIENT_JVMFLAGS), feeding `input`; resolves with its output. */
export function zkCliSession(zk: LocalEnsemble, server: string, flags: string[], input: string, ms = 60000): Promise<string> {
  return new Promise<string>((resolve) => {
    const child = spawn(path.join(zk.binDir, "zkCli.sh"), ["-server", server, "-waitforconnection", "-timeout", "15000"], {
      env: { ...process.env, CLIENT_JVMFLAGS: flags.join(" "), JVMFLAGS: "" },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let text = "";
    child.stdout!.on("data", (d) => (text += d));
    child.stderr!.on("data", (d) => (text += d));
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    };
    const timer = setTimeout(kill, ms);
    child.once("close", () => {
      clearTimeout(timer);
      kill();
      resolve(text);
    });
    child.stdin!.end(input);
  });
}
