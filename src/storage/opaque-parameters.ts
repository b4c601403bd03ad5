/**
 * SQL text for SQLite in which the planner cannot see bound values: every `?` placeholder
 * becomes `+?`.
 *
 * SQLite as better-sqlite3 builds it (STAT4) marks a statement for preparing again whenever a
 * value is bound that the planner once looked at — an index equality under a join, a LIMIT, an
 * IN list, a range feeding an ORDER BY. Every run then costs a full prepare: 15–60 µs against
 * 2–5 µs for the lookup itself (a getChat read measured 42 µs, 2.4 µs with this). Unary plus is
 * a no-op on every value (numbers, text, blobs, NULL) and has no affinity, exactly like a bare
 * parameter, so results are unchanged; the plan is the one chosen for an unknown value, which is
 * what our indexes are shaped for (plans of the hot queries are under test). No index is partial,
 * so no plan depended on seeing a value.
 *
 * Placeholders inside string literals, quoted identifiers and comments are left alone.
 */
export function opaqueParameters(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      i = closing(text, i, c);
    } else if (c === '[') {
      i = closing(text, i, ']');
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (c === '?') {
      out += text.slice(from, i) + '+?';
      from = i + 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Index of the quote closing the one at `start` (a doubled quote inside is an escaped one). */
function closing(text: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const end = text.indexOf(quote, i);
    if (end === -1) return text.length;
    if (quote !== ']' && text[end + 1] === quote) {
      i = end + 2;
      continue;
    }
    return end;
  }
}
