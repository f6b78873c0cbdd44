// The command line of every operational command (npm run up, down, verify, backup, restore, e2e):
// one parser and one set of messages, so a mistake reads the same whichever command it was made in.
// Options are `--name value`, `--name=value` or a flag; `-h`/`--help` prints the usage, the options
// and the exit codes (exit 0). Anything else the command does not take is a UsageError: the command
// prints the message and its usage line and exits 2, before it has done anything. Each command's
// options are described once, in ops/lib/commands.ts; its own checks of a value (a port, a number)
// throw UsageError too, naming the option, the value (never a secret's) and what it takes.

import { UsageError } from "../../zk/address";

// The library's input error is the command line's: what the commands and the jobs share.
export { UsageError, formatAddress, parseServers } from "../../zk/address";
export type { Address } from "../../zk/address";

export interface OptionSpec {
  /** Without the dashes: `stack` is `--stack`. */
  name: string;
  /** A one-letter alias: `y` is `-y`. */
  short?: string;
  /** What the value looks like (`<name>`, `host:port[,host:port...]`); a flag when absent. */
  value?: string;
  /** May be given more than once; each value is kept, in order. */
  multiple?: boolean;
  required?: boolean;
  /** The value holds a password: no message repeats it, nor an argument that follows it. */
  secret?: boolean;
  /** One line for --help. */
  help: string;
}

export interface CommandSpec {
  /** The npm script: `npm run <name>`; also the first word of every message. */
  name: string;
  /** What the command does, for --help. */
  about: string;
  options: OptionSpec[];
  /** Groups of options of which exactly one must be given (`--servers` or `--stack`). */
  oneOf?: string[][];
  /** `0 done; 1 failed; 2 ...`, for --help. */
  exitCodes: string;
}

/** A parsed command line: `help`, or the options given. */
export class CommandLine {
  constructor(
    readonly help: boolean,
    private readonly given: Map<string, string[]> = new Map(),
  ) {}

  /** The value of an option given once, or undefined. */
  value(name: string): string | undefined {
    return this.given.get(name)?.[0];
  }

  /** Every value of a repeatable option, in order. */
  values(name: string): string[] {
    return this.given.get(name) ?? [];
  }

  /** Whether a flag (or any option) was given. */
  has(name: string): boolean {
    return this.given.has(name);
  }
}

const HELP_OPTION: OptionSpec = { name: "help", short: "h", help: "print this help and exit (exit code 0)" };

/** `--out <file>`, or `--yes` for a flag. */
export function optionForm(option: OptionSpec): string {
  return option.value ? `--${option.name} ${option.value}` : `--${option.name}`;
}

function groupOf(spec: CommandSpec, name: string): string[] | undefined {
  return spec.oneOf?.find((group) => group.includes(name));
}

/** `npm run backup -- (--servers host:port[,host:port...] | --stack <name>) --out <file> [--auth digest:user:password]...` */
export function usageLine(spec: CommandSpec): string {
  const parts: string[] = [];
  for (const option of spec.options) {
    const group = groupOf(spec, option.name);
    if (group) {
      if (group[0] !== option.name) continue;
      const forms = group.map((name) => optionForm(spec.options.find((o) => o.name === name)!));
      parts.push(`(${forms.join(" | ")})`);
      continue;
    }
    const form = optionForm(option);
    parts.push((option.required ? form : `[${form}]`) + (option.multiple ? "..." : ""));
  }
  return `npm run ${spec.name} -- ${parts.join(" ")}`;
}

const HELP_WIDTH = 100;

/** `text` in lines of at most `width` characters (a longer word stays whole), the first indented by `first`, the rest by `rest`. */
function wrap(text: string, width: number, first = "", rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const indent = lines.length ? rest : first;
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (line.length > indent.length ? " " : "") + word;
    }
  }
  return [...lines, line];
}

/** What --help prints: usage, what the command does, each option, the exit codes. */
export function helpText(spec: CommandSpec): string {
  const rows = [...spec.options, HELP_OPTION].map((o) => {
    const left = (o.short ? `-${o.short}, ` : "") + optionForm(o);
    const group = groupOf(spec, o.name);
    const notes = [o.required ? "required" : "", o.multiple ? "repeatable" : "", group ? `or ${alternatives(spec, o.name)}` : ""];
    const note = notes.filter(Boolean).join("; ");
    return [left, note ? `${o.help} (${note})` : o.help];
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: ${usageLine(spec)}`,
    "",
    ...wrap(spec.about, HELP_WIDTH),
    "",
    "options:",
    ...rows.flatMap(([left, help]) => wrap(help, HELP_WIDTH, `  ${left.padEnd(width)}  `, " ".repeat(width + 4))),
    "",
    ...wrap(`exit codes: ${spec.exitCodes}`, HELP_WIDTH, "", "  "),
    "",
  ].join("\n");
}

function alternatives(spec: CommandSpec, name: string): string {
  return groupOf(spec, name)!
    .filter((n) => n !== name)
    .map((n) => `--${n}`)
    .join(" or ");
}

/** What a command prints for a UsageError: the message, then the usage line and where the rest is. */
export function usageErrorText(spec: CommandSpec, e: UsageError): string {
  return `${spec.name}: ${e.message}\nusage: ${usageLine(spec)}\n(npm run ${spec.name} -- --help lists every option and the exit codes)\n`;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function unknownOption(spec: CommandSpec, flag: string): UsageError {
  const name = flag.replace(/^-+/, "");
  // A short name is near too many others to guess from.
  const near = name.length >= 5 ? 2 : 1;
  const close = spec.options.find((o) => distance(o.name, name) <= near || (name.length >= 3 && o.name.startsWith(name)));
  return new UsageError(`unknown option '${flag}'` + (close ? ` (did you mean --${close.name}?)` : ""));
}

/**
 * Parses `argv` (what follows npm's `--`) by the command's options. `--help` or `-h` anywhere wins:
 * the user asked how to use the command. Throws UsageError for an unknown option, an argument that
 * is no option's value, a missing value, a value given to a flag, an option given twice that takes
 * one value, and a required option or one-of group left out.
 */
export function parseCommandLine(spec: CommandSpec, argv: string[]): CommandLine {
  if (argv.some((a) => a === "--help" || a === "-h")) return new CommandLine(true);
  const given = new Map<string, string[]>();
  let afterSecret: OptionSpec | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const previousSecret = afterSecret;
    afterSecret = undefined;
    let option: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--") && arg.length > 2) {
      const cut = arg.indexOf("=");
      const name = cut < 0 ? arg.slice(2) : arg.slice(2, cut);
      inline = cut < 0 ? undefined : arg.slice(cut + 1);
      option = spec.options.find((o) => o.name === name);
      // Only the part before "=": the value may be a password.
      if (!option) throw unknownOption(spec, `--${name}`);
    } else if (/^-[A-Za-z]$/.test(arg)) {
      option = spec.options.find((o) => o.short === arg[1]);
      if (!option) throw unknownOption(spec, arg);
    } else {
      // npm keeps the options before its own `--` for itself and passes their values on: a stray
      // value is most often an option written without that `--`.
      const shown = previousSecret ? `after --${previousSecret.name}'s value (not shown: it holds a password)` : `'${arg}'`;
      throw new UsageError(`unexpected argument ${shown}: every option starts with --, and goes after npm's own --`);
    }
    const flag = `--${option.name}`;
    if (!option.value) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      given.set(option.name, []);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // A value never starts with "-" when given apart: `--out --auth x` lacks the file; `--out=-x` says it is one.
      if (next !== undefined && !(next.startsWith("-") && next.length > 1)) value = argv[++i];
    }
    if (value === undefined || value === "") throw new UsageError(`${flag} needs a value: ${optionForm(option)}`);
    if (given.has(option.name) && !option.multiple) throw new UsageError(`${flag} is given twice: give it once`);
    given.set(option.name, [...(given.get(option.name) ?? []), value]);
    if (option.secret) afterSecret = option;
  }
  for (const group of spec.oneOf ?? []) {
    const present = group.filter((name) => given.has(name));
    if (present.length > 1) throw new UsageError(`give ${present.map((n) => `--${n}`).join(" or ")}, not both`);
    if (present.length === 0) {
      const forms = group.map((name) => optionForm(spec.options.find((o) => o.name === name)!));
      throw new UsageError(`give ${forms.join(" or ")}`);
    }
  }
  for (const option of spec.options) {
    if (option.required && !given.has(option.name)) throw new UsageError(`${optionForm(option)} is required`);
  }
  return new CommandLine(false, given);
}

/**
 * Runs a command's main function and sets the exit code: its own, 2 with the usage text for a
 * UsageError, 1 with one line for any other failure (`failure` prefixes it).
 */
export function runMain(spec: CommandSpec, main: (argv: string[]) => Promise<number>, failure = ""): void {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      if (e instanceof UsageError) {
        process.stderr.write(usageErrorText(spec, e));
        process.exitCode = 2;
      } else {
        console.error(`${failure}${e.message}`);
        process.exitCode = 1;
      }
    },
  );
}
