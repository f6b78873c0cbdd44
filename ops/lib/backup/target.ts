// The ensemble `npm run backup` and `npm run restore` work on: `--servers host:port,...`, or
// `--stack <name>`, a deployed stack's servers reached as `verify --stack` reaches them
// (ops/lib/stack-endpoint.ts: the stack's outputs and kubeconfig, a port-forward to each pod's
// client port, the stack's admin credentials when it has them). Kept apart from cli.ts, which the
// scheduled backup's bundle includes: that bundle must not pull in the Automation API or the
// Kubernetes client.
import { CommandLine, UsageError } from "../cli-args";
import { ConnectError, Endpoint, endpointFromServers } from "../../../zk/backup/session";

/**
 * The endpoint of `--servers` or `--stack` (the command line has exactly one). A stack's endpoint
 * holds tunnels: run the command in withEndpoint, which closes them. Call it once every other
 * option is checked (reading a stack takes seconds). A stack that cannot be used (no CLI, no such stack, missing
 * outputs) is a ConnectError: exit 2 with its one-line reason.
 */
export async function endpointOf(line: CommandLine, command: string): Promise<Endpoint> {
  const stack = line.value("stack");
  if (stack === undefined) {
    const endpoint = endpointFromServers(line.value("servers")!);
    if (typeof endpoint === "string") throw new UsageError(endpoint);
    return endpoint;
  }
  // Loaded only here: the Automation API and the Kubernetes client take seconds to load.
  const [{ openStackServers, StackError }, { kubectl }] = await Promise.all([
    import("../stack-endpoint"),
    import("../verify/kubectl-next"),
  ]);
  let servers: Awaited<ReturnType<typeof openStackServers>>;
  try {
    servers = await openStackServers(stack, { command });
  } catch (e) {
    throw e instanceof StackError ? new ConnectError(e.message) : e;
  }
  const t = servers.target;
  return {
    connectionString: servers.connectionString,
    description: servers.description,
    sasl: servers.sasl,
    unreachable: () => {
      const check = `is the cluster up and do the pods run? ${kubectl(t, `get pods -l ${t.podSelector}`)}`;
      return [...new Set(servers.tunnelErrors()), check].join("; ");
    },
    close: servers.close,
  };
}

/**
 * Runs `body` and then closes the endpoint (a stack's tunnels), also when the body fails. On
 * Ctrl-C the tunnels are closed and the command ends with 130, unless `ownInterrupt`: a body that
 * handles Ctrl-C itself (a restore lets its requests in flight finish and writes its report) needs
 * the tunnels until it returns.
 */
export async function withEndpoint<T>(endpoint: Endpoint, body: () => Promise<T>, { ownInterrupt = false } = {}): Promise<T> {
  const close = () => endpoint.close?.() ?? Promise.resolve();
  const interrupted = () => void close().finally(() => process.exit(130));
  if (endpoint.close && !ownInterrupt) process.once("SIGINT", interrupted);
  try {
    return await body();
  } finally {
    process.removeListener("SIGINT", interrupted);
    await close();
  }
}
