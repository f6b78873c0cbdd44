// The official image's launcher contract, as the pod uses it. Source: 31z4/zookeeper-docker
// 3.9.6/Dockerfile (FROM eclipse-temurin:17-jre-jammy; user zookeeper UID/GID 1000 owns
// /apache-zookeeper-3.9.6-bin, the WORKDIR; its bin on PATH; ENTRYPOINT docker-entrypoint.sh, which
// writes /conf/zoo.cfg and a myid of 1 when they are missing) and apache/zookeeper release-3.9.5
// bin/zkServer.sh and zkEnv.sh (unchanged on branch-3.9 up to 2026-07-17; the 3.9.6 tag is not
// stored): `start-foreground <absolute path>` uses that path as the config, zkEnv.sh puts
// -Xmx${ZK_SERVER_HEAP:-1000}m before SERVER_JVMFLAGS. The heap order and the real launcher run in
// the real-server suites (ZooKeeper 3.9.5's jars from Maven Central, started by its zkServer.sh with
// the harness's copy of its zkEnv.sh settings; test/servers/zookeeper-dist.test.ts checks the command line).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { resolveEnsemble, ENSEMBLE_DEFAULTS } from "../../components/zookeeper/options";
import { renderStatefulSet } from "../../components/zookeeper/statefulset";
import { renderConfigFiles } from "../../components/zookeeper/configmap";
import { renderZooCfg } from "../../components/zookeeper/zoocfg";
import { START_SCRIPT, PROBE_SCRIPT, CONFIG_MOUNT } from "../../components/zookeeper/scripts";

const run = promisify(execFile);

export const OFFICIAL_IMAGE = {
  newest39: "zookeeper:3.9.6",
  uid: 1000,
  gid: 1000,
  /**
   * Commands on the image's PATH that the scripts may use: ubuntu:jammy's essential and required
   * packages (bash, coreutils, findutils, grep, hostname, libc-bin for getent, mawk, sed), which
   * eclipse-temurin:17-jre-jammy keeps, plus the Dockerfile's netcat and wget. From the packages'
   * contents, not read off a pulled image: the e2e suite runs the scripts in the real one.
   */
  tools: [
    "bash",
    "cat",
    "dirname",
    "head",
    "id",
    "mkdir",
    "sleep",
    "sort",
    "timeout",
    "tr",
    "paste",
    "grep",
    "hostname",
    "getent",
    "awk",
    "sed",
  ],
};

const settings = resolveEnsemble({});
const container = () => renderStatefulSet(settings, "zk-config-x").spec.template.spec.containers[0];

describe("contract: the official ZooKeeper image, as the pod uses it", () => {
  it("the default image is the newest 3.9 release (3.9.5+ fixes CVE-2026-24281)", () => {
    expect(ENSEMBLE_DEFAULTS.image).to.equal(OFFICIAL_IMAGE.newest39);
  });

  it("runs as the image's zookeeper user, who owns the distribution", () => {
    const pod = renderStatefulSet(settings, "zk-config-x").spec.template.spec;
    expect(pod.securityContext).to.include({ runAsUser: OFFICIAL_IMAGE.uid, runAsGroup: OFFICIAL_IMAGE.gid });
  });

  it("replaces the image's entrypoint, which would write /conf/zoo.cfg and a myid of 1", () => {
    // A container's `command` replaces the image's ENTRYPOINT; `args` would only replace its CMD.
    expect(container().command).to.deep.equal(["bash", `${CONFIG_MOUNT}/${START_SCRIPT}`]);
    expect(container()).not.to.have.property("args");
  });

  describe("the scripts need only the image's own commands", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-image-"));
      // PATH: the image's tools, then stand-ins for the launcher and the pod's resolver.
      fs.mkdirSync(path.join(dir, "image-bin"));
      for (const tool of OFFICIAL_IMAGE.tools) {
        const found = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
        if (!found) throw new Error(`this machine lacks ${tool}, which the test links into the image's PATH`);
        fs.symlinkSync(found, path.join(dir, "image-bin", tool));
      }
      fs.mkdirSync(path.join(dir, "conf"));
      fs.mkdirSync(path.join(dir, "stand-ins"));
      const files = renderConfigFiles(settings);
      for (const name of [START_SCRIPT, PROBE_SCRIPT]) fs.writeFileSync(path.join(dir, "conf", name), files[name]);
      fs.writeFileSync(path.join(dir, "stand-ins", "zkServer.sh"), `#!/bin/bash\necho "$@" > "${dir}/launched"\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(dir, "stand-ins", "getent"), `#!/bin/bash\necho "10.0.0.5 $2"\n`, { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const env = () => ({
      PATH: `${path.join(dir, "stand-ins")}:${path.join(dir, "image-bin")}`,
      ZK_HEAP: "512m",
      HOSTNAME: "zk-0",
      POD_IP: "10.0.0.5",
    });

    it("start-zookeeper.sh, with a server list to resolve, reaches the launcher", async () => {
      fs.writeFileSync(
        path.join(dir, "conf", "zoo.cfg"),
        renderZooCfg({
          serverFqdns: ["zk-0.zk-hs.zookeeper.svc.cluster.local", "b", "c"],
          tunables: settings.zookeeper,
          dataDir: path.join(dir, "data"),
          dataLogDir: path.join(dir, "data", "log"),
        }),
      );
      await run("/bin/bash", [path.join(dir, "conf", START_SCRIPT)], { env: env(), timeout: 15000 });
      expect(fs.readFileSync(path.join(dir, "launched"), "utf8").trim()).to.equal(`start-foreground ${path.join(dir, "conf", "zoo.cfg")}`);
    });

    it("zk-probe.sh answers (here: not live, as nothing listens) without a missing command", async () => {
      const result = await run("/bin/bash", [path.join(dir, "conf", PROBE_SCRIPT), "live"], {
        env: { ...env(), ZK_PROBE_PORT: "1" },
        timeout: 15000,
      }).catch((e) => e);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.contain("not live: ruok on 127.0.0.1:1");
      expect(String(result.stderr)).not.to.contain("command not found");
    });
  });
});
