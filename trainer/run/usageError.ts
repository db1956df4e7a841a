/** A mistake on the command line or in the files it names: exit code 2, the message as is. */
export class UsageError extends Error {
  override name = 'UsageError';
}
