export { loadStackConfig, parseStackConfig, PROJECT } from "./load";
export { KNOBS, KnobKey, StackConfig } from "./knobs";
export { StackConfigError, ConfigProblem } from "./problems";
