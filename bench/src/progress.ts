/** Progress lines go to stderr so stdout carries only the Markdown report. */
const started = Date.now();

export function progress(message: string): void {
  const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[bench ${elapsed}s] ${message}\n`);
}

/** A progress line at most every `intervalMs`, for long loops. */
export function throttled(intervalMs = 2000): (message: () => string) => void {
  let last = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    progress(message());
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
