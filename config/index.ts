export { loadStackConfig, parseStackConfig, PROJECT } from "./load";
export { SETTINGS, SettingKey, StackConfig } from "./settings";
export { StackConfigError } from "./problems";
