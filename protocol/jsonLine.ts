/** One line of a JSON Lines file as an object: undefined for a blank line; throws "not JSON: …" or "expected a JSON object". */
export function parseJsonObjectLine(line: string): { [key: string]: unknown } | undefined {
  const text = line.trim();
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
  return value as { [key: string]: unknown };
}
