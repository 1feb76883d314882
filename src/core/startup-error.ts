/**
 * A start-up problem only the operator can fix (an unwritable data directory, an evicting Redis, a
 * port in use, no redis-server): the process prints the one-line message, naming the problem and
 * the fix, and exits with code 2.
 */
export class StartupError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}
