/** How deep a request body's arrays and objects may nest. Our bodies nest one level; 64 leaves room and stays far from any stack. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Follows the nesting of JSON text as its bytes arrive (brackets inside strings do not count), so
 * a body nested thousands deep is refused before JSON.parse or any walk of the parsed value sees
 * it. The bytes of a multi-byte UTF-8 character are all ≥ 0x80, never mistaken for a bracket or a
 * quote, so chunks can be fed as they come, split anywhere.
 */
export class JsonDepth {
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Reads more of the text; false once the nesting has gone past MAX_JSON_DEPTH. */
  feed(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i += 1) {
      const byte = bytes[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        if ((this.depth += 1) > MAX_JSON_DEPTH) return false;
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) this.depth -= 1;
    }
    return true;
  }
}
