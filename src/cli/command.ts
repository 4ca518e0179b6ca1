/** One `bulkhead` subcommand. Each lives in its own file under src/cli/ and is listed in commands.ts. */
export interface Command {
  readonly name: string;
  /** One line for `bulkhead --help`. */
  readonly summary: string;
  /** The full text of `bulkhead <name> --help`: usage, flags, examples. */
  readonly help: string;
  /** Runs the command; resolves to the process exit status. */
  run(args: readonly string[], io: CommandIO): Promise<number>;
}

/** Where a command reads and writes; tests pass buffers, main passes the process streams. */
export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
}

/** A usage mistake: printed as one line without a stack trace, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
