/** What the run loop needs of a tokenizer; char.ts and bpe.ts implement it. */
export interface Tokenizer {
  readonly kind: 'char' | 'bpe';
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  /** text of one token, for the routing sample (a partial UTF-8 sequence shows as U+FFFD) */
  tokenText(id: number): string;
}
