import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startFakeKubeApi, readyNode, FakeKubeApi } from "./fake-kube-api";

/**
 * Puts the stand-in kind (harness/fixtures/bin/kind) first on PATH with a fresh state directory, for
 * the current mocha suite; everything is restored after it.
 */
export function useFakeKind() {
  const saved = { PATH: process.env.PATH, FAKE_KIND_STATE: process.env.FAKE_KIND_STATE, FAKE_KIND_FAIL: process.env.FAKE_KIND_FAIL };
  const fake = {
    state: "",
    /** The stand-in API server of the cluster kind makes; by default every declared node is Ready. */
    api: undefined as unknown as FakeKubeApi,
    /** Each kind invocation's arguments, in order. */
    calls(): string[] {
      const file = path.join(fake.state, "calls");
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trimEnd().split("\n") : [];
    },
    clusters(): string[] {
      const dir = path.join(fake.state, "clusters");
      return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    },
    addCluster(name: string, config = "nodes:\n- role: control-plane\n"): void {
      fs.mkdirSync(path.join(fake.state, "clusters", name), { recursive: true });
      fs.writeFileSync(path.join(fake.state, "clusters", name, "config.yaml"), config);
    },
    /** The node names kind gives the cluster's declared nodes (one cluster at a time). */
    declaredNodes(): string[] {
      const [name] = fake.clusters();
      if (!name) return [];
      const config = fs.readFileSync(path.join(fake.state, "clusters", name, "config.yaml"), "utf8");
      const workers = (config.match(/role: worker/g) ?? []).length;
      return [`${name}-control-plane`, ...Array.from({ length: workers }, (_, i) => `${name}-worker${i ? i + 1 : ""}`)];
    },
    fail(mode: "engine" | "create" | "hang" | undefined): void {
      if (mode) process.env.FAKE_KIND_FAIL = mode;
      else delete process.env.FAKE_KIND_FAIL;
    },
  };
  beforeEach(async () => {
    fake.state = fs.mkdtempSync(path.join(os.tmpdir(), "kz-kind-"));
    fake.api = await startFakeKubeApi();
    fs.writeFileSync(path.join(fake.state, "kubeconfig.template"), fake.api.kubeconfig("__NAME__"));
    fake.api.nodes = () => fake.declaredNodes().map((n) => readyNode(n));
    process.env.FAKE_KIND_STATE = fake.state;
    process.env.PATH = `${path.join(__dirname, "fixtures", "bin")}:${saved.PATH}`;
    delete process.env.FAKE_KIND_FAIL;
  });
  afterEach(async () => {
    await fake.api.close();
    fs.rmSync(fake.state, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  return fake;
}
