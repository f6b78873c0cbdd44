// The judges are the versions the project claims to run under: the CLI of the @pulumi/pulumi it
// depends on, the provider versions its SDKs ask the engine for, Kubernetes 1.36 (kind v0.32.0's
// default node image). Their pins live in judges/*/go.mod and package.json; these keep them together.
import { expect } from "chai";
import { requireClusterTier } from "../../harness/cluster-tier";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { judgesBin, VERSIONS } from "../../judges/judges";
import { KIND_NODE_IMAGE } from "../../components/kind/config";

const ROOT = path.join(__dirname, "..", "..");
const dependency = (pkg: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies[pkg];

describe("contract: the judges are the versions the program runs under", () => {
  it("the Pulumi CLI is built at the version of @pulumi/pulumi in package.json", () => {
    expect(VERSIONS.pulumi).to.equal(`v${dependency("@pulumi/pulumi")}`);
  });

  it("the control plane is the Kubernetes minor of kind v0.32.0's default node image", () => {
    const nodeMinor = /:v(\d+\.\d+)\./.exec(KIND_NODE_IMAGE)?.[1];
    expect(VERSIONS.kubernetes.slice(1).split(".").slice(0, 2).join(".")).to.equal(nodeMinor);
  });

  it("the built binaries report those versions", function () {
    // Fails, saying how to build them, where the judges are not built (a knowing KZ_SKIP_CLUSTER_TESTS skips).
    requireClusterTier(this);
    const bin = judgesBin();
    expect(execFileSync(path.join(bin, "pulumi"), ["version"], { encoding: "utf8" }).trim()).to.equal(VERSIONS.pulumi);
    expect(execFileSync(path.join(bin, "kube-apiserver"), ["--version"], { encoding: "utf8" }).trim()).to.equal(
      `Kubernetes ${VERSIONS.kubernetes}`,
    );
    for (const name of ["kubernetes", "random", "tls"]) {
      expect(
        fs.existsSync(path.join(bin, "plugins", `resource-${name}-v${dependency(`@pulumi/${name}`)}`, `pulumi-resource-${name}`)),
        name,
      ).to.equal(true);
    }
  });
});
