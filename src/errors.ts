/** An error whose `code` is stable and whose message is safe to show to a user. */
export class UnmacroError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Something the user can fix (a setting, an argument, a busy data directory): exit code 1. */
export class UserError extends UnmacroError {}

/** Every problem found in the configuration, reported together. */
export class ConfigError extends UserError {
  constructor(readonly problems: readonly string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Storage failed for a reason that may pass (database down, timeout, pool exhausted). */
export class StorageUnavailableError extends UnmacroError {
  constructor(cause: unknown) {
    super('STORAGE_UNAVAILABLE', 'storage is unavailable', { cause });
  }
}
