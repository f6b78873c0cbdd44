// Progress on stderr, at most one line every `everyMs`, so a long run shows it is alive without
// flooding a log; stdout stays for the final summary.
export type Progress = (line: () => string) => void;

export function throttledProgress(label: string, write: (text: string) => void = (t) => process.stderr.write(t), everyMs = 2000): Progress {
  let last = Date.now();
  return (line) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    write(`${label}: ${line()}\n`);
  };
}

export const quietProgress: Progress = () => undefined;

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
