// The folder `npm run up`, `down`, `verify`, `backup` and `restore` run pulumi in when the stack is in
// the project's local backend (ops/lib/tool-project.ts): the user's Pulumi.yaml and stack file are
// only read, the secrets salt pulumi writes survives the next command, and the user's own salt (for
// secret settings they set) wins. The real CLI writing into it: test/cluster/up-down.test.ts.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { prepareToolProject } from "../../ops/lib/tool-project";

describe("the tool's own pulumi folder (.pulumi-state/project)", () => {
  let dir: string;
  const read = (file: string) => yaml.load(fs.readFileSync(file, "utf8")) as Record<string, any>;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-tool-project-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: kind-zookeeper\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  kind-zookeeper:replicas: 3\n");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("holds the project with main pointing at the checkout and the user's settings; the user's files are unchanged", () => {
    const before = ["Pulumi.yaml", "Pulumi.dev.yaml"].map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
    const tool = prepareToolProject(dir, "dev");
    expect(tool).to.equal(path.join(dir, ".pulumi-state", "project"));
    expect(read(path.join(tool, "Pulumi.yaml"))).to.deep.equal({ name: "kind-zookeeper", runtime: "nodejs", main: dir });
    expect(read(path.join(tool, "Pulumi.dev.yaml"))).to.deep.equal({ config: { "kind-zookeeper:replicas": 3 } });
    expect(["Pulumi.yaml", "Pulumi.dev.yaml"].map((f) => fs.readFileSync(path.join(dir, f), "utf8"))).to.deep.equal(before);
  });

  it("keeps the salt pulumi wrote into its copy, and takes every later edit of the user's settings", () => {
    const tool = prepareToolProject(dir, "dev");
    const copy = path.join(tool, "Pulumi.dev.yaml");
    fs.writeFileSync(copy, "encryptionsalt: v1:salt\nconfig:\n  kind-zookeeper:replicas: '3'\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  kind-zookeeper:replicas: 5\n");
    prepareToolProject(dir, "dev");
    expect(read(copy)).to.deep.equal({ config: { "kind-zookeeper:replicas": 5 }, encryptionsalt: "v1:salt" });
  });

  it("uses the user's own salt when their stack file has one (it encrypts their secret settings)", () => {
    const tool = prepareToolProject(dir, "dev");
    fs.writeFileSync(path.join(tool, "Pulumi.dev.yaml"), "encryptionsalt: v1:tool\n");
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      "encryptionsalt: v1:user\nconfig:\n  kind-zookeeper:clientUsers:\n    secure: abc\n",
    );
    prepareToolProject(dir, "dev");
    expect(read(path.join(tool, "Pulumi.dev.yaml"))).to.deep.equal({
      encryptionsalt: "v1:user",
      config: { "kind-zookeeper:clientUsers": { secure: "abc" } },
    });
  });

  it("a stack without a stack file gets an empty one", () => {
    const tool = prepareToolProject(dir, "staging");
    expect(read(path.join(tool, "Pulumi.staging.yaml"))).to.deep.equal({});
    expect(fs.existsSync(path.join(dir, "Pulumi.staging.yaml"))).to.equal(false);
  });
});
