import type { Tokenizer } from './tokenizer';

/** The unknown symbol: characters absent from the training split map to it. */
export const UNKNOWN_CHAR = '\uFFFD';

/** Character level: the distinct characters (code points) of the training split, sorted, plus an unknown symbol (last id). */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  private readonly ids = new Map<number, number>();

  private constructor(private readonly chars: string[]) {
    chars.forEach((ch, id) => this.ids.set(ch.codePointAt(0)!, id));
  }

  static fromText(text: string): CharTokenizer {
    const seen = new Set<number>();
    for (let i = 0; i < text.length; i++) {
      const code = text.codePointAt(i)!;
      if (code > 0xffff) i++;
      seen.add(code);
    }
    const chars = [...seen].sort((a, b) => a - b).map((code) => String.fromCodePoint(code));
    return new CharTokenizer(chars);
  }

  get vocabSize(): number {
    return this.chars.length + 1;
  }

  get unknownId(): number {
    return this.chars.length;
  }

  encode(text: string): Int32Array {
    const out = new Int32Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.codePointAt(i)!;
      if (code > 0xffff) i++;
      out[n++] = this.ids.get(code) ?? this.unknownId;
    }
    return out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) text += this.tokenText(ids[i]);
    return text;
  }

  tokenText(id: number): string {
    return this.chars[id] ?? UNKNOWN_CHAR;
  }
}
