// A network of our own for partition tests: one Linux network namespace per server, each with a
// veth into a bridge in this namespace, addresses in 198.18.0.0/24 (the benchmarking range; nothing
// is routed out of it). A cut drops IPv4 packets on the bridge with nftables (no RST, no ICMP, no
// carrier change: a silent partition); `tc netem` is not available on this kernel. Everything is
// removed by destroy(), and a later run removes what a killed run left behind.
import { execFileSync } from "child_process";
import { onInterrupt } from "./interrupt";
import { lockMachineResources } from "./machine-lock";

const SUBNET = "198.18.0";
export const HOST_ADDRESS = `${SUBNET}.1`;

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 15000 });
}

function attempt(cmd: string, args: string[]): void {
  try {
    run(cmd, args);
  } catch {
    // already gone
  }
}

/** Set to run the rest of the suite where namespaces cannot be made; CI never sets it. */
export const SKIP_VARIABLE = "KZ_SKIP_PARTITION_TESTS";

/**
 * Whether this process can build the network (root, iproute2, nftables). Throws a message that says
 * what is missing, unless the opt-out variable is set: then returns false after a loud warning.
 */
export function canBuildNetwork(): boolean {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root (network namespaces and nftables need it)");
  for (const [tool, pkg] of [
    ["ip", "iproute2"],
    ["nft", "nftables"],
  ]) {
    try {
      run(tool, ["-V"]);
    } catch {
      missing.push(`${tool} (apt-get install ${pkg})`);
    }
  }
  if (missing.length === 0) return true;
  const message = `the partition tests need ${missing.join(", ")}`;
  if (process.env[SKIP_VARIABLE]) {
    console.warn(`\n!!! WARNING: ${SKIP_VARIABLE} is set: SKIPPING the network partition tests (${message}). CI never skips them. !!!\n`);
    return false;
  }
  throw new Error(`${message}; run the suite as root, or set ${SKIP_VARIABLE}=1 to skip them knowingly`);
}

/** Namespaces, links and nftables tables of runs whose process is gone. */
function removeLeftovers(): void {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stale = (name: string) => {
    const m = /^kz(\d+)/.exec(name);
    return m !== null && !alive(Number(m[1]));
  };
  for (const ns of run("ip", ["netns", "list"])
    .split("\n")
    .map((l) => l.split(" ")[0]))
    if (ns && stale(ns)) attempt("ip", ["netns", "del", ns]);
  for (const m of run("ip", ["-o", "link"]).matchAll(/^\d+: (kz\d+[^:@]*)/gm)) if (stale(m[1])) attempt("ip", ["link", "del", m[1]]);
  for (const m of run("nft", ["list", "tables"]).matchAll(/^table bridge (kz\d+\w*)$/gm))
    if (stale(m[1])) attempt("nft", ["delete", "table", "bridge", m[1]]);
}

export class TestNetwork {
  private readonly prefix = `kz${process.pid}`;
  private readonly bridge = `${this.prefix}br`;
  private readonly table = `${this.prefix}cut`;
  private destroyed = false;
  /** The lock of the subnet (machine-lock.ts): two runs' bridges with the same addresses would take each other's packets. */
  readonly lockName = `${SUBNET}.0_24`;
  private releaseLock?: () => void;
  private forgetInterrupt?: () => void;

  constructor(readonly size: number) {}

  namespaceOf(ordinal: number): string {
    return `${this.prefix}-s${ordinal}`;
  }

  addressOf(ordinal: number): string {
    return `${SUBNET}.${10 + ordinal}`;
  }

  /** The command prefix that runs a process inside a server's namespace. */
  wrap(ordinal: number): string[] {
    return ["ip", "netns", "exec", this.namespaceOf(ordinal)];
  }

  create(): void {
    this.releaseLock = lockMachineResources([this.lockName], "the partition tests' network");
    this.forgetInterrupt = onInterrupt(() => this.destroy());
    removeLeftovers();
    try {
      run("ip", ["link", "add", this.bridge, "type", "bridge"]);
      run("ip", ["addr", "add", `${HOST_ADDRESS}/24`, "dev", this.bridge]);
      run("ip", ["link", "set", this.bridge, "up"]);
      for (let i = 0; i < this.size; i++) {
        const ns = this.namespaceOf(i);
        const host = `${this.prefix}v${i}`;
        const peer = `${this.prefix}p${i}`;
        run("ip", ["netns", "add", ns]);
        run("ip", ["link", "add", host, "type", "veth", "peer", "name", peer]);
        run("ip", ["link", "set", peer, "netns", ns]);
        run("ip", ["link", "set", host, "master", this.bridge]);
        run("ip", ["link", "set", host, "up"]);
        run("ip", ["-n", ns, "addr", "add", `${this.addressOf(i)}/24`, "dev", peer]);
        run("ip", ["-n", ns, "link", "set", peer, "up"]);
        run("ip", ["-n", ns, "link", "set", "lo", "up"]);
      }
      run("nft", ["add", "table", "bridge", this.table]);
      for (const [chain, hook] of [
        ["forwarding", "forward"],
        ["inbound", "input"],
        ["outbound", "output"],
      ]) {
        run("nft", ["add", "chain", "bridge", this.table, chain, `{ type filter hook ${hook} priority 0; }`]);
      }
    } catch (e) {
      this.destroy();
      throw new Error(`could not build the test network: ${(e as { stderr?: string }).stderr || (e as Error).message}`);
    }
  }

  /**
   * Drops every packet between the servers of `side` and everyone else: the other servers and, with
   * `fromClients`, this namespace's clients too. Without `others`, the rest of the servers is the other side.
   */
  cut(side: number[], { fromClients = false, others }: { fromClients?: boolean; others?: number[] } = {}): void {
    const rest = others ?? Array.from({ length: this.size }, (_, i) => i).filter((i) => !side.includes(i));
    const set = (ordinals: number[]) => `{ ${ordinals.map((i) => this.addressOf(i)).join(", ")} }`;
    const rule = (chain: string, expr: string) => run("nft", ["add", "rule", "bridge", this.table, chain, ...expr.split(" "), "drop"]);
    if (rest.length) {
      rule("forwarding", `ip saddr ${set(side)} ip daddr ${set(rest)}`);
      rule("forwarding", `ip saddr ${set(rest)} ip daddr ${set(side)}`);
    }
    if (fromClients) {
      rule("inbound", `ip saddr ${set(side)}`);
      rule("outbound", `ip daddr ${set(side)}`);
    }
  }

  /** Removes every cut (nothing to do once the network is gone). */
  heal(): void {
    if (this.destroyed) return;
    for (const chain of ["forwarding", "inbound", "outbound"]) run("nft", ["flush", "chain", "bridge", this.table, chain]);
  }

  destroy(): void {
    this.destroyed = true;
    attempt("nft", ["delete", "table", "bridge", this.table]);
    for (let i = 0; i < this.size; i++) {
      // Deleting one end of a veth deletes both at once; a namespace's deletion frees its end lazily.
      attempt("ip", ["link", "del", `${this.prefix}v${i}`]);
      attempt("ip", ["netns", "del", this.namespaceOf(i)]);
    }
    attempt("ip", ["link", "del", this.bridge]);
    this.forgetInterrupt?.();
    this.releaseLock?.();
  }

  /** What of ours is still on the machine: for the test that teardown leaves nothing behind. */
  leftovers(): string[] {
    const mine = (s: string) => s.includes(this.prefix);
    return [
      ...run("ip", ["netns", "list"]).split("\n").filter(mine),
      ...run("ip", ["-o", "link"]).split("\n").filter(mine),
      ...run("nft", ["list", "tables"]).split("\n").filter(mine),
    ];
  }
}
