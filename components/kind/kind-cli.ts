// Running the kind CLI and turning its failures into messages that say what to do. Everything here
// is serialized with the dynamic provider and runs in Pulumi's provider host: it captures only
// Node's built-in modules, required inside the functions.

export interface KindRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

// Plain Errors only: a class extending Error loses its message when Pulumi serializes it.

/** Runs `kind <args>`, killing it after `timeoutMs`. Rejects with a clear message when kind is not on PATH. */
export function runKind(args: string[], timeoutMs: number): Promise<KindRun> {
  const { spawn } = require("child_process");
  return new Promise((resolve, reject) => {
    // Its own process group, so a time-out stops kind and whatever it started (docker, kubeadm).
    const child = spawn("kind", args, { stdio: ["ignore", "pipe", "pipe"], env: process.env, detached: true });
    const killGroup = (signal: string) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    // If the provider host is interrupted, kind must not outlive it: its own group does not get the
    // terminal's SIGINT. Prepended, so it runs before any guard that then cleans up after kind.
    const onSignal = (signal: NodeJS.Signals) => {
      killGroup("SIGKILL");
      if (process.listenerCount(signal) === 1) process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.prependListener("SIGINT", onSignal);
    process.prependListener("SIGTERM", onSignal);
    const unguard = () => {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    };
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 5000).unref();
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      unguard();
      reject(
        e.code === "ENOENT"
          ? new Error(
              "kind is not on PATH. Install kind v0.32.0 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) " +
                "and make sure `kind version` works in the shell that runs pulumi.",
            )
          : e,
      );
    });
    child.on("close", (code: number | null) => {
      clearTimeout(timer);
      unguard();
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/**
 * Runs `work` (a create of cluster `name`) so that an interrupted provider host (SIGINT from the
 * terminal, SIGTERM) deletes the half-made cluster before it exits: kind itself does not clean up
 * on a signal (kubernetes-sigs/kind v0.32.0 pkg/cluster/internal/create/create.go deletes the nodes
 * only when an action returns an error), and a leftover cluster blocks the next create by its name.
 */
export async function deleteClusterIfInterrupted<T>(name: string, work: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    const { spawnSync } = require("child_process");
    spawnSync("kind", ["delete", "cluster", "--name", name], { stdio: "ignore", timeout: 120000 });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work();
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** A failed kind command as a message; names the missing container engine when that is the cause. */
export function describeFailure(what: string, run: KindRun): string {
  const detail = run.stderr.trim().split("\n").slice(-5).join("\n");
  if (
    /Cannot connect to the Docker daemon|failed to get docker info|docker.*(not found|executable file not found)|podman.*(not found|executable file not found)|Is the docker daemon running|error during connect/i.test(
      run.stderr,
    )
  ) {
    return (
      `${what} failed: no container engine is running. kind runs its nodes as containers: start Docker ` +
      `(or Podman, with KIND_EXPERIMENTAL_PROVIDER=podman) and run pulumi up again.\nkind said:\n${detail}`
    );
  }
  return `${what} failed (exit code ${run.code}).\nkind said:\n${detail}`;
}

/** Names of the kind clusters on this machine. */
export async function listClusters(): Promise<string[]> {
  const run = await runKind(["get", "clusters"], 60000);
  if (run.code !== 0) throw new Error(describeFailure("kind get clusters", run));
  return run.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** The API server address in a kubeconfig's first cluster. */
function endpointOf(kubeconfig: string): string {
  return /^\s*server:\s*(\S+)\s*$/m.exec(kubeconfig)?.[1] ?? "";
}

/** What a live cluster reports: its host kubeconfig, API endpoint and node names. */
export async function describeCluster(name: string): Promise<{ kubeconfig: string; endpoint: string; nodes: string[] }> {
  const kubeconfig = await runKind(["get", "kubeconfig", "--name", name], 60000);
  if (kubeconfig.code !== 0) throw new Error(describeFailure(`kind get kubeconfig --name ${name}`, kubeconfig));
  const nodes = await runKind(["get", "nodes", "--name", name], 60000);
  if (nodes.code !== 0) throw new Error(describeFailure(`kind get nodes --name ${name}`, nodes));
  return {
    kubeconfig: kubeconfig.stdout,
    endpoint: endpointOf(kubeconfig.stdout),
    nodes: nodes.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .sort(),
  };
}
