export { loadStackConfig, parseStackConfig } from "./load";
export { SETTINGS, SettingKey, StackConfig } from "./settings";
export { StackConfigError } from "./problems";
