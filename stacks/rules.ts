import { planDisruptionBudget } from "../components/zookeeper/quorum";
import { parseHeap, parseByteQuantity, memoryForHeap } from "./quantities";
import { StackConfig, KnobKey } from "./knobs";
import { ConfigProblem } from "./problems";

/** Values of the knobs that parsed; a rule runs only when every knob it reads is here. */
export type ParsedValues = Partial<StackConfig>;

interface Rule {
  reads: KnobKey[];
  check(c: StackConfig): { problems: ConfigProblem[]; warnings: string[] };
}

const ok = { problems: [], warnings: [] };

/** Rules between settings. Internal; exported for testing. */
export const RULES: Rule[] = [
  {
    reads: ["heap", "memory"],
    check(c) {
      if (c.memory === undefined) return ok;
      const heap = parseHeap(c.heap)!;
      if (parseByteQuantity(c.memory)! > heap) return ok;
      return {
        problems: [
          {
            key: "memory",
            expected: `must exceed the heap (${c.heap}) with room for the JVM's off-heap memory`,
            got: c.memory,
            fix: `pulumi config set memory ${memoryForHeap(heap)}, or pulumi config rm memory to derive it from the heap`,
          },
        ],
        warnings: [],
      };
    },
  },
  {
    reads: ["replicas", "pdbMaxUnavailable", "pdbMinAvailable"],
    check(c) {
      // The plan's warnings are logged by the ensemble itself, once.
      return { problems: planDisruptionBudget(c.replicas, c.pdbMaxUnavailable, c.pdbMinAvailable).problems, warnings: [] };
    },
  },
  {
    reads: ["minSessionTimeout", "maxSessionTimeout"],
    check(c) {
      if (c.minSessionTimeout <= c.maxSessionTimeout) return ok;
      return {
        problems: [
          {
            key: "maxSessionTimeout",
            expected: `must be at least minSessionTimeout (${c.minSessionTimeout}); ZooKeeper refuses to start otherwise`,
            got: c.maxSessionTimeout,
            fix: `pulumi config set maxSessionTimeout ${c.minSessionTimeout * 10}`,
          },
        ],
        warnings: [],
      };
    },
  },
];

export function checkRules(values: ParsedValues, rules: Rule[] = RULES) {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  for (const rule of rules) {
    if (!rule.reads.every((key) => key in values)) continue;
    const result = rule.check(values as StackConfig);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
  }
  return { problems, warnings };
}
