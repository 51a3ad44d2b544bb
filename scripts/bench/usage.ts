import { readFileSync } from 'node:fs';

/**
 * A script's usage is its header comment (the first `/** … *\/` block of its file), so the text `--help`
 * prints and the one a reader of the source sees cannot drift apart.
 */
export function headerDoc(file: string): string {
  const m = /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'));
  if (!m?.[1]) return '';
  return `${m[1]
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim()}\n`;
}

/** `--help`/`-h` among the arguments: print the header and exit 0. */
export function exitWithHelpIfAsked(file: string, args: readonly string[] = process.argv.slice(2)): void {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(headerDoc(file));
    process.exit(0);
  }
}

/** A mistyped command line: one line saying what is wrong, no stack trace, exit 2. */
export function exitWithUsageError(tool: string, message: string): never {
  process.stderr.write(`${tool}: ${message} (--help lists the options)\n`);
  process.exit(2);
}
