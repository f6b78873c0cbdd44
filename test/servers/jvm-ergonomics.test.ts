// The JVM picks its garbage collector from the machine it sees, and in a container that is the
// container's memory limit. OpenJDK's os::is_server_class_machine (openjdk/jdk17u,
// src/hotspot/share/runtime/os.cpp) asks for 2 processors and 2 GiB - 256 MiB of physical memory,
// which under a cgroup limit is the limit (os/linux/os_linux.cpp, physical_memory from the
// container's cgroup); GCConfig::select_gc_ergonomically (src/hotspot/share/gc/shared/gcConfig.cpp)
// then picks G1 for a server-class machine and Serial otherwise. The official image runs JDK 17
// (31z4/zookeeper-docker 3.9.6/Dockerfile: eclipse-temurin:17-jre-jammy), as this machine does.
// So the default pod (1024Mi) would run the Serial collector unless told: the start script names G1.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { ENSEMBLE_DEFAULTS } from "../../components/zookeeper/options";
import { memoryForHeap, parseByteQuantity, parseHeap } from "../../components/zookeeper/quantities";

/** A memory cgroup limited to `bytes` (v1 or v2, whichever this kernel mounts), removed by `remove`. */
function memoryCgroup(bytes: number): { procs: string; remove(): void } {
  const name = `kz-jvm-${process.pid}`;
  const v1 = "/sys/fs/cgroup/memory";
  const v2 = fs.existsSync("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  const [root, limitFile] = fs.existsSync(path.join(v1, "memory.limit_in_bytes")) ? [v1, "memory.limit_in_bytes"] : [v2, "memory.max"];
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  try {
    fs.writeFileSync(path.join(dir, limitFile), String(bytes));
  } catch (e) {
    fs.rmdirSync(dir);
    throw new Error(`cannot limit memory in ${dir} (this test runs as root, as CI does): ${e}`);
  }
  return { procs: path.join(dir, "cgroup.procs"), remove: () => fs.rmdirSync(dir) };
}

/** The JVM's final flags when it starts inside `cgroup` with `flags`. */
function finalFlags(cgroup: { procs: string }, flags: string[]): string {
  const r = spawnSync("sh", ["-c", `echo $$ > ${cgroup.procs} && exec java ${flags.join(" ")} -XX:+PrintFlagsFinal -version`], {
    encoding: "utf8",
    timeout: 30000,
  });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout;
}

const flag = (out: string, name: string) => new RegExp(`\\b${name}\\s+= (true|false)`).exec(out)?.[1];

describe("contract: the JVM's collector under the pod's memory limit (OpenJDK 17 ergonomics)", function () {
  this.timeout(60000);
  const limit = parseByteQuantity(memoryForHeap(parseHeap(ENSEMBLE_DEFAULTS.heap)!))!;
  let cgroup: ReturnType<typeof memoryCgroup>;
  before(() => (cgroup = memoryCgroup(limit)));
  after(() => cgroup?.remove());

  it(`under the default memory limit (${memoryForHeap(parseHeap(ENSEMBLE_DEFAULTS.heap)!)}) the JVM picks Serial by itself, and G1 when told`, () => {
    const ergonomic = finalFlags(cgroup, [`-Xmx${ENSEMBLE_DEFAULTS.heap}`]);
    expect(flag(ergonomic, "UseSerialGC")).to.equal("true");
    expect(flag(ergonomic, "UseG1GC")).to.equal("false");
    const told = finalFlags(cgroup, [`-Xmx${ENSEMBLE_DEFAULTS.heap}`, "-XX:+UseG1GC"]);
    expect(flag(told, "UseG1GC")).to.equal("true");
    expect(flag(told, "UseSerialGC")).to.equal("false");
  });
});
