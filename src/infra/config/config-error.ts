/** A configuration file or variable that cannot be used; the process must not start. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly file: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${file}: ${key ? `${key}: ` : ''}${reason}`);
  }
}
