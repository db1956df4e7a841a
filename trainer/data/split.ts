/** The deterministic train/validation split: the last `fraction` of a text, cut at a paragraph boundary. */
export interface SplitText {
  train: string;
  validation: string;
}

/**
 * The cut is the first paragraph break ("\n\n") at or after length·(1 − fraction); failing that the
 * last one before it, then a line break, then the exact position. Both parts stay non-empty when the
 * text has at least two characters.
 */
export function splitText(text: string, fraction: number): SplitText {
  const target = Math.min(text.length - 1, Math.max(1, Math.floor(text.length * (1 - fraction))));
  const cut = findBoundary(text, target, '\n\n') ?? findBoundary(text, target, '\n') ?? target;
  return { train: text.slice(0, cut), validation: text.slice(cut).replace(/^\n+/, '') };
}

function findBoundary(text: string, target: number, separator: string): number | undefined {
  const after = text.indexOf(separator, target);
  if (after > 0 && after < text.length - separator.length) return after;
  const before = text.lastIndexOf(separator, target);
  if (before > 0) return before;
  return undefined;
}
