import { vi } from 'vitest';

/**
 * Collects what the handlers log (Powertools writes JSON lines through its own Console on stdout
 * and stderr) instead of letting it reach the run's output. The handlers must load with a log
 * level that writes them: set POWERTOOLS_LOG_LEVEL before their first request.
 */
export function captureLogs() {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)),
  );
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}
