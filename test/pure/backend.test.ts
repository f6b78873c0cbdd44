// ops/lib/backend.ts: which Pulumi backend and passphrase the project's commands use. Every case
// runs against a temporary project directory and a temporary Pulumi home, handed in as the
// environment, and checks that the user's login (credentials.json) is never written.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loggedInBackend, pulumiBackend } from "../../ops/lib/backend";

describe("the Pulumi backend and passphrase of the project's commands (ops/lib/backend.ts)", () => {
  let root: string;
  let project: string;
  let home: string;
  let pulumiHome: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "kz-backend-"));
    project = path.join(root, "project");
    home = path.join(root, "home");
    pulumiHome = path.join(root, "pulumi-home");
    for (const d of [project, home, pulumiHome]) fs.mkdirSync(d);
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const stateDir = () => path.join(project, ".pulumi-state");
  const credentialFiles = () => [path.join(pulumiHome, "credentials.json"), path.join(home, ".pulumi", "credentials.json")];
  function logIn(current: string): void {
    fs.writeFileSync(path.join(pulumiHome, "credentials.json"), JSON.stringify({ current, accessTokens: {}, accounts: {} }));
  }

  it("PULUMI_BACKEND_URL set: the CLI's own setting is used as it is, nothing is added or created", () => {
    const b = pulumiBackend(project, { HOME: home, PULUMI_HOME: pulumiHome, PULUMI_BACKEND_URL: "s3://bucket/zk" });
    expect(b.env).to.deep.equal({});
    expect(b.description).to.equal("PULUMI_BACKEND_URL (s3://bucket/zk)");
    expect(fs.existsSync(stateDir())).to.equal(false);
  });

  it("logged in (credentials.json `current` in PULUMI_HOME): that backend is used, nothing is added or created", () => {
    logIn("https://api.pulumi.com");
    const env = { HOME: home, PULUMI_HOME: pulumiHome };
    expect(loggedInBackend(env)).to.equal("https://api.pulumi.com");
    const b = pulumiBackend(project, env);
    expect(b.env).to.deep.equal({});
    expect(b.description).to.equal("the backend you are logged in to (https://api.pulumi.com)");
    expect(fs.existsSync(stateDir())).to.equal(false);
  });

  it("PULUMI_CREDENTIALS_PATH is where the login is read, before PULUMI_HOME", () => {
    const creds = path.join(root, "creds");
    fs.mkdirSync(creds);
    fs.writeFileSync(path.join(creds, "credentials.json"), JSON.stringify({ current: "file:///srv/pulumi" }));
    logIn("https://api.pulumi.com");
    expect(loggedInBackend({ HOME: home, PULUMI_HOME: pulumiHome, PULUMI_CREDENTIALS_PATH: creds })).to.equal("file:///srv/pulumi");
  });

  it("logged out (credentials.json without `current`) counts as not logged in", () => {
    logIn("");
    expect(loggedInBackend({ HOME: home, PULUMI_HOME: pulumiHome })).to.equal(undefined);
  });

  it("neither: a local backend in <project>/.pulumi-state and a passphrase file, made once with mode 0600 and reused", () => {
    const env = { HOME: home, PULUMI_HOME: pulumiHome };
    const first = pulumiBackend(project, env);
    const file = path.join(stateDir(), "passphrase");
    expect(first.env).to.deep.equal({ PULUMI_BACKEND_URL: `file://${stateDir()}`, PULUMI_CONFIG_PASSPHRASE_FILE: file });
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const passphrase = fs.readFileSync(file, "utf8");
    expect(passphrase.trim()).to.have.length.greaterThan(20);
    const second = pulumiBackend(project, env);
    expect(second.env).to.deep.equal(first.env);
    expect(fs.readFileSync(file, "utf8"), "the same passphrase: stacks made with it stay readable").to.equal(passphrase);
  });

  for (const [variable, value] of [
    ["PULUMI_CONFIG_PASSPHRASE", "change-me"],
    ["PULUMI_CONFIG_PASSPHRASE_FILE", "/home/me/.zk-passphrase"],
  ]) {
    it(`neither, with ${variable} set: the local backend is used and the user's passphrase is left to the CLI (no file made)`, () => {
      const b = pulumiBackend(project, { HOME: home, PULUMI_HOME: pulumiHome, [variable]: value });
      expect(b.env).to.deep.equal({ PULUMI_BACKEND_URL: `file://${stateDir()}` });
      expect(fs.existsSync(path.join(stateDir(), "passphrase"))).to.equal(false);
    });
  }

  it("never writes credentials.json, whichever backend it picks", () => {
    pulumiBackend(project, { HOME: home, PULUMI_HOME: pulumiHome, PULUMI_BACKEND_URL: "file:///tmp/x" });
    pulumiBackend(project, { HOME: home, PULUMI_HOME: pulumiHome });
    pulumiBackend(project, { HOME: home });
    for (const f of credentialFiles()) expect(fs.existsSync(f), f).to.equal(false);
    logIn("https://api.pulumi.com");
    const before = fs.readFileSync(credentialFiles()[0], "utf8");
    pulumiBackend(project, { HOME: home, PULUMI_HOME: pulumiHome });
    expect(fs.readFileSync(credentialFiles()[0], "utf8")).to.equal(before);
  });
});
