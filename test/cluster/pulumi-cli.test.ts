// Rules of the Pulumi CLI that decide whether a stack runs at all. Mocks never apply them.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { isSecretConfigKey } from "../../config/load";
import { missingConfigKeys, wrongTypeKeys, readProject, readStackFile, cliConfigFor, CliRefusal } from "../../harness/pulumi-cli";
import { stackNames } from "../../harness/stack-files";

describe("contract: the Pulumi CLI's config rules", () => {
  // pulumi/pulumi v3.248.0 pkg/workspace/config.go: a project key with neither `default` nor
  // `value` is required, whatever its `type`; pulumi/pulumi#21797.
  describe("a project key with neither default nor value is required of every stack", () => {
    it("the rule as the CLI applies it", () => {
      const declared = {
        typed: { type: "string", description: "d" },
        untyped: { description: "d" },
        defaulted: { type: "integer", default: 3 },
        valued: { value: "x" },
        shorthand: 5 as any,
      };
      expect(missingConfigKeys("p", declared, {})).to.deep.equal(["typed", "untyped"]);
      expect(missingConfigKeys("p", declared, { "p:typed": "a", "p:untyped": "b" })).to.deep.equal([]);
    });

    it("Pulumi.yaml requires nothing: a new stack with no stack file runs", () => {
      const project = readProject();
      expect(missingConfigKeys(project.name, project.config, {})).to.deep.equal([]);
    });

    for (const stack of stackNames()) {
      it(`Pulumi.${stack}.yaml passes`, () => {
        const project = readProject();
        expect(missingConfigKeys(project.name, project.config, readStackFile(stack))).to.deep.equal([]);
      });
    }

    it("the tests hand the program a stack's configuration only through the same rule", () => {
      const project = readProject();
      const withRequired = { ...project, config: { ...project.config, someKey: { type: "string", description: "no default" } } };
      expect(() => cliConfigFor("dev", {}, withRequired)).to.throw(
        CliRefusal,
        "validating stack config: Stack 'dev' is missing configuration value 'someKey'",
      );
      expect(cliConfigFor("dev", { someKey: "x" }, withRequired).someKey).to.equal("x");
    });
  });

  // pulumi/pulumi v3.248.0 sdk/go/common/workspace/config.go validateStackConfigValue: a typed key's
  // value is checked by the CLI before the program runs; our own parsing repeats the rule for mocks.
  describe("a typed key's value must be of its type", () => {
    it("integers as strconv.Atoi reads them, booleans as true or false", () => {
      const declared = { n: { type: "integer" }, b: { type: "boolean" }, s: { type: "string" } };
      expect(wrongTypeKeys("p", declared, { "p:n": "3", "p:b": "true", "p:s": "x" })).to.deep.equal([]);
      expect(wrongTypeKeys("p", declared, { "p:n": "three", "p:b": "yes" })).to.deep.equal([
        { key: "n", type: "integer" },
        { key: "b", type: "boolean" },
      ]);
      expect(() => cliConfigFor("dev", { replicas: "three" })).to.throw(
        CliRefusal,
        "Stack 'dev' with configuration key 'replicas' must be of type 'integer'",
      );
    });
  });
});

// pulumi/pulumi v3.248.0 sdk/nodejs/runtime/config.ts: the language host passes the keys set with
// --secret in PULUMI_CONFIG_SECRET_KEYS and isConfigSecret (internal) reads them; the program uses
// it to keep such values out of its error messages.
describe("contract: @pulumi/pulumi tells the program which keys were set with --secret", () => {
  it("isConfigSecret exists and reports exactly the secret keys", () => {
    pulumi.runtime.setAllConfig({ "p:a": "1", "p:b": "2" }, ["p:b"]);
    expect(isSecretConfigKey("p:b")).to.equal(true);
    expect(isSecretConfigKey("p:a")).to.equal(false);
  });
});
