/*
 * The extract fast path's hot loop (`src/ingest/fast-rows.ts`, `fast-row-check.ts`) in C, built to
 * WebAssembly by `pnpm build:wasm` (clang, no libc) into `src/ingest/fast-rows-kernel.wasm.ts`.
 *
 * Why: checking, copying and counting the rows of a member is most of the extract workers' CPU
 * (~5.4 ns a byte of CSV in V8's compiled JavaScript: every byte read through a bounds-checked
 * typed array, every field a round of branches V8 cannot narrow). The same walk compiled ahead of
 * time runs in a fraction of that. See docs/architecture.md ("The fast path in WebAssembly").
 *
 * Contract: this is the JavaScript fast path, byte for byte and figure for figure, for the rows it
 * takes. It takes a row only when it is sure; any row it is not sure of stops it there and tells
 * the caller why (see RUN_*), and the JavaScript paths take that row. Rows that need a column's
 * byte writer (a boolean spelled `yes`, latin1 text) stop it with RUN_WRITER: the JavaScript fast
 * path writes that one row and hands back. `fast-rows.test.ts` holds the two to each other.
 *
 * The caller fills the layout (`layout_*`), copies a window of the input chunk into `input`, calls
 * `run(length, at_end)`, and reads the written lines from `output`, the null counts per field, the
 * key digests and the figures from `result`.
 */
#include <stdint.h>

typedef uint8_t u8;
typedef int32_t i32;
typedef uint32_t u32;

#define MAX_FIELDS 512
#define MAX_NULL_TOKENS 8
#define MAX_NULL_BYTES 64
#define INPUT_BYTES (256 * 1024)
/* Room for the lines of one full input window, each field grown by its quotes and a comma. */
#define OUTPUT_BYTES (2 * INPUT_BYTES + 64 * 1024)
#define MAX_DIGESTS 16384

/* The field kinds of `field-kind.ts`. */
enum { K_TEXT = 0, K_INTEGER = 1, K_DECIMAL = 2, K_DATE = 3, K_TIMESTAMP = 4, K_WRITER = 5, K_BOOLEAN = 6 };

/* The per-field flags of `fast-row-check.ts`. */
#define F_NULL 1
#define F_QUOTE 2
#define F_QUOTED 8
#define F_FIELDWISE 16
#define F_WRITE 32

#define LF 0x0a
#define CR 0x0d
#define COMMA 0x2c
#define QUOTE 0x22
#define MINUS 0x2d
#define PLUS 0x2b
#define DOT 0x2e

/* Why run() stopped. */
#define RUN_END 0    /* the next row runs past the window (or the window is done) */
#define RUN_REFUSED 1 /* the next row is not one for the fast path: the general path takes it */
#define RUN_WRITER 2  /* the next row needs a column's byte writer: the JavaScript fast path takes it */
#define RUN_FULL 3    /* the output or the digests are full: read them and call again */

/* Ran past the end of the window: the row may still be whole in the chunk. */
#define CHECK_PAST_END (-2)
#define CHECK_REFUSED (-1)

/* The layout, filled by the caller: [fields, columns, delimiter, quote, escape, null_empty,
 * longest_null, max_row_bytes, verbatim, key_count, hash_keys, null_token_count]. */
i32 layout_header[12];
i32 layout_kinds[MAX_FIELDS];    /* per input field: its kind, -1 when dropped */
i32 layout_key_field[MAX_FIELDS]; /* per input field: 1 when part of the key */
i32 layout_sources[MAX_FIELDS];  /* per output column: its input field, or -1 */
i32 layout_key_fields[MAX_FIELDS]; /* per key part: its input field, or -1 */
u8 layout_null_first[256];
i32 layout_null_lengths[MAX_NULL_TOKENS];
u8 layout_null_bytes[MAX_NULL_TOKENS * MAX_NULL_BYTES];

u8 input[INPUT_BYTES + 8];
u8 output[OUTPUT_BYTES + 8];
i32 null_counts[MAX_FIELDS]; /* per input field, this call's nulls */
u32 digests[2 * MAX_DIGESTS];
/* [consumed bytes, rows, null keys, digests, output bytes, reason] */
i32 result[6];

/* The last checked row: each field's bytes and flags, and the OR of F_FIELDWISE and F_WRITE over them. */
static i32 starts[MAX_FIELDS];
static i32 ends[MAX_FIELDS];
static i32 flags[MAX_FIELDS];
static i32 row_flags;

/* Bytes above these cannot end an unquoted / a quoted field (one comparison for most bytes); set by run(). */
static u8 max_special;
static u8 max_quoted_special;

static const u8 DAYS_IN_MONTH[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static inline int is_digit(u8 c) { return (u8)(c - '0') <= 9; }

static int valid_day(i32 year, i32 month, i32 day) {
  if (month < 1 || month > 12 || day < 1) return 0;
  int leap = month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return day <= DAYS_IN_MONTH[month - 1] + leap;
}

/* `yyyy-MM-dd` at `at` (the caller checked there are 10 bytes), a valid calendar day. */
static int is_iso_date_at(const u8 *b, i32 at) {
  i32 y0 = b[at] - '0', y1 = b[at + 1] - '0', y2 = b[at + 2] - '0', y3 = b[at + 3] - '0';
  i32 m0 = b[at + 5] - '0', m1 = b[at + 6] - '0', d0 = b[at + 8] - '0', d1 = b[at + 9] - '0';
  i32 digits = y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | (9 - y0) | (9 - y1) | (9 - y2) | (9 - y3) | (9 - m0) | (9 - m1) | (9 - d0) | (9 - d1);
  if (digits < 0 || b[at + 4] != MINUS || b[at + 7] != MINUS) return 0;
  i32 month = m0 * 10 + m1, day = d0 * 10 + d1;
  if (month >= 1 && month <= 12 && day >= 1 && day <= 28) return 1;
  return valid_day(y0 * 1000 + y1 * 100 + y2 * 10 + y3, month, day);
}

/* `HH:mm:ss` at `at`, a valid time of day (a leap second allowed). */
static int is_iso_time_at(const u8 *b, i32 at) {
  i32 h0 = b[at] - '0', h1 = b[at + 1] - '0', m0 = b[at + 3] - '0', m1 = b[at + 4] - '0', s0 = b[at + 6] - '0', s1 = b[at + 7] - '0';
  i32 digits = h0 | h1 | m0 | m1 | s0 | s1 | (9 - h0) | (9 - h1) | (9 - m0) | (9 - m1) | (9 - s0) | (9 - s1);
  if (digits < 0 || b[at + 2] != ':' || b[at + 5] != ':') return 0;
  return h0 * 10 + h1 <= 23 && m0 * 10 + m1 <= 59 && s0 * 10 + s1 <= 60;
}

static int is_iso_timestamp_at(const u8 *b, i32 at) {
  return b[at + 10] == 'T' && b[at + 19] == 'Z' && is_iso_date_at(b, at) && is_iso_time_at(b, at + 11);
}

static int is_plain_number(const u8 *b, i32 start, i32 end, int dot) {
  i32 i = start < end && (b[start] == MINUS || b[start] == PLUS) ? start + 1 : start;
  i32 digits = 0;
  int seen_dot = !dot;
  for (; i < end; i++) {
    u8 c = b[i];
    if (is_digit(c)) digits++;
    else if (c == DOT && !seen_dot) seen_dot = 1;
    else return 0;
  }
  return digits > 0;
}

static int is_canonical_boolean(const u8 *b, i32 start, i32 end) {
  i32 n = end - start;
  if (n == 4) return b[start] == 't' && b[start + 1] == 'r' && b[start + 2] == 'u' && b[start + 3] == 'e';
  return n == 5 && b[start] == 'f' && b[start + 1] == 'a' && b[start + 2] == 'l' && b[start + 3] == 's' && b[start + 4] == 'e';
}

static int is_null_token(const u8 *b, i32 start, i32 end) {
  i32 n = end - start;
  i32 count = layout_header[11];
  for (i32 t = 0; t < count; t++) {
    if (layout_null_lengths[t] != n) continue;
    const u8 *token = layout_null_bytes + t * MAX_NULL_BYTES;
    i32 k = 0;
    while (k < n && token[k] == b[start + k]) k++;
    if (k == n) return 1;
  }
  return 0;
}

/* The length of the well-formed UTF-8 sequence starting with the byte >= 0x80 at `i`, or 0. */
static i32 utf8_sequence_length(const u8 *b, i32 i, i32 end) {
  u8 c = b[i];
  if (c >= 0xc2 && c <= 0xdf) return i + 1 < end && (b[i + 1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= end) return 0;
    u8 c1 = b[i + 1];
    u8 low = c == 0xe0 ? 0xa0 : 0x80;
    u8 high = c == 0xed ? 0x9f : 0xbf;
    return c1 >= low && c1 <= high && (b[i + 2] & 0xc0) == 0x80 ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= end) return 0;
    u8 c1 = b[i + 1];
    u8 low = c == 0xf0 ? 0x90 : 0x80;
    u8 high = c == 0xf4 ? 0x8f : 0xbf;
    return c1 >= low && c1 <= high && (b[i + 2] & 0xc0) == 0x80 && (b[i + 3] & 0xc0) == 0x80 ? 4 : 0;
  }
  return 0;
}

/*
 * RowCheck.check over the row at `start`: where the next row starts, CHECK_REFUSED, or
 * CHECK_PAST_END when the row runs past `end` (the only difference from the JavaScript, which
 * cannot tell: there the chunk's end is the end). UTF-8 only: latin1 layouts never come here.
 */
static i32 check(const u8 *b, i32 start, i32 end) {
  const i32 fields = layout_header[0];
  const u8 D = (u8)layout_header[2], Q = (u8)layout_header[3], E = (u8)layout_header[4];
  const int null_empty = layout_header[5];
  const i32 longest_null = layout_header[6];
  const i32 max_row_bytes = layout_header[7];
  i32 flags_of_row = 0;
  i32 pos = start;
  if (pos >= end) return CHECK_PAST_END;
  u8 c = b[pos];
  if (c == LF || c == CR) return CHECK_REFUSED;
  const i32 last = fields - 1;
  for (i32 f = 0; f < fields; f++) {
    const i32 kind = layout_kinds[f];
    i32 s = pos, e = -1;
    u32 bits = 0;
    int comma = 0, valid = 0;
    i32 quoted = 0;
    if (kind == K_TIMESTAMP || kind == K_DATE) {
      i32 t = pos + (kind == K_DATE ? 10 : 20);
      if (t < end) {
        c = b[t];
        if ((f < last ? c == D : c == LF || c == CR) && (kind == K_DATE ? is_iso_date_at(b, pos) : is_iso_timestamp_at(b, pos))) {
          e = pos = t;
          valid = 1;
        }
      }
    } else if (kind == K_INTEGER) {
      i32 i = pos < end && (b[pos] == MINUS || b[pos] == PLUS) ? pos + 1 : pos;
      i32 digits = i;
      while (i < end && is_digit(c = b[i])) i++;
      if (i > digits && i < end && (f < last ? c == D : c == LF || c == CR)) {
        e = pos = i;
        valid = 1;
      }
    }
    if (e < 0 && pos < end && b[pos] == Q) {
      quoted = F_QUOTED;
      s = ++pos;
      for (;;) {
        if (pos >= end) return CHECK_PAST_END;
        c = b[pos];
        if (c > max_quoted_special) {
          bits |= c;
          pos++;
          continue;
        }
        if (c == Q || c == E || c == LF || c == CR) break;
        if (c == COMMA) comma = 1;
        bits |= c;
        pos++;
      }
      if (c != Q) return CHECK_REFUSED;
      if (pos + 1 >= end) return CHECK_PAST_END;
      e = pos++;
      c = b[pos];
    } else if (e < 0) {
      c = 0;
      while (pos < end) {
        c = b[pos];
        if (c > max_special) {
          bits |= c;
          pos++;
          continue;
        }
        if (c == D || c == LF || c == CR || c == Q) break;
        if (c == COMMA) comma = 1;
        bits |= c;
        pos++;
      }
      if (pos >= end) return CHECK_PAST_END;
      if (c == Q) return CHECK_REFUSED;
      e = pos;
    }
    if (f < last) {
      if (c != D) return CHECK_REFUSED;
      pos++;
    } else {
      if (pos - start > max_row_bytes) return CHECK_REFUSED;
      if (c == LF) pos++;
      else if (c == CR) {
        if (pos + 1 >= end) return CHECK_PAST_END;
        if (b[pos + 1] != LF) return CHECK_REFUSED;
        pos += 2;
      } else return CHECK_REFUSED;
    }
    starts[f] = s;
    ends[f] = e;
    if (kind < 0) {
      flags[f] = quoted;
      continue;
    }
    if (s == e ? null_empty : e - s <= longest_null && layout_null_first[b[s]] && is_null_token(b, s, e)) {
      flags[f] = F_NULL | quoted;
      continue;
    }
    i32 flag = 0;
    if (bits & 0x80) {
      if (kind != K_TEXT || layout_key_field[f]) return CHECK_REFUSED;
      for (i32 i = s; i < e;) {
        if (b[i] < 0x80) i++;
        else {
          i32 n = utf8_sequence_length(b, i, e);
          if (n == 0) return CHECK_REFUSED;
          i += n;
        }
      }
    }
    if (valid) {
      flags[f] = 0;
      continue;
    }
    if (quoted && (kind != K_TEXT || !comma)) flags_of_row |= F_FIELDWISE;
    switch (kind) {
      case K_TEXT:
        if (comma || s == e) flag |= F_QUOTE;
        break;
      case K_INTEGER:
        if (!is_plain_number(b, s, e, 0)) return CHECK_REFUSED;
        break;
      case K_DECIMAL:
        if (!is_plain_number(b, s, e, 1)) return CHECK_REFUSED;
        break;
      case K_DATE:
        if (e - s != 10 || !is_iso_date_at(b, s)) return CHECK_REFUSED;
        break;
      case K_TIMESTAMP:
        if (e - s != 20 || !is_iso_timestamp_at(b, s)) return CHECK_REFUSED;
        break;
      case K_BOOLEAN:
        if (!is_canonical_boolean(b, s, e)) flag |= F_WRITE;
        break;
      default:
        flag |= F_WRITE;
        break;
    }
    if ((flag & F_QUOTE) && !quoted) flags_of_row |= F_FIELDWISE;
    if (flag & F_WRITE) flags_of_row |= F_FIELDWISE | F_WRITE;
    flags[f] = flag | quoted;
  }
  row_flags = flags_of_row;
  return pos;
}

/* Copies `b[from, to)` to `out` at `at`, 8 bytes at a time (the input and output have 8 spare bytes). */
static inline i32 copy_bytes(const u8 *b, i32 from, i32 to, u8 *out, i32 at) {
  i32 n = to - from;
  for (i32 k = 0; k < n; k += 8) __builtin_memcpy(out + at + k, b + from + k, 8);
  return at + n;
}

/* Writes the checked row (starting at `row_start`) as a line at `at`, and returns where it ends (FastRows.writeRow). */
static i32 write_row(const u8 *b, i32 row_start, u8 *out, i32 at) {
  const i32 fields = layout_header[0];
  const i32 columns = layout_header[1];
  if (layout_header[8] && (row_flags & F_FIELDWISE) == 0) {
    i32 from = row_start;
    for (i32 f = 0; f <= fields; f++) {
      i32 to, next;
      if (f == fields) {
        to = next = ends[fields - 1] + (flags[fields - 1] & F_QUOTED ? 1 : 0);
      } else {
        i32 flag = flags[f];
        if ((flag & F_NULL) == 0) continue;
        i32 q = flag & F_QUOTED ? 1 : 0;
        to = starts[f] - q;
        next = ends[f] + q;
        if (to == next) continue;
      }
      at = copy_bytes(b, from, to, out, at);
      from = next;
    }
    out[at++] = LF;
    return at;
  }
  for (i32 i = 0; i < columns; i++) {
    if (i > 0) out[at++] = COMMA;
    i32 f = layout_sources[i];
    if (f < 0) continue;
    i32 flag = flags[f];
    if (flag & F_NULL) continue;
    if (flag & F_QUOTE) out[at++] = QUOTE;
    at = copy_bytes(b, starts[f], ends[f], out, at);
    if (flag & F_QUOTE) out[at++] = QUOTE;
  }
  out[at++] = LF;
  return at;
}

/* Adds the row's nulls, and its key's digest or its null key (FastRows.count). */
static void count(const u8 *b, i32 *null_keys, i32 *digest_count) {
  const i32 fields = layout_header[0];
  /* Only fields some column takes are flagged null. */
  for (i32 f = 0; f < fields; f++) null_counts[f] += flags[f] & F_NULL;
  const i32 key_count = layout_header[9];
  if (!layout_header[10] || key_count == 0) return;
  for (i32 k = 0; k < key_count; k++) {
    i32 f = layout_key_fields[k];
    if (f < 0 || (flags[f] & F_NULL)) {
      (*null_keys)++;
      return;
    }
  }
  u32 high = 0x811c9dc5u, low = 0x9747b28cu;
  for (i32 k = 0; k < key_count; k++) {
    if (k > 0) {
      high = (high ^ 0x1f) * 0x01000193u;
      low = (low ^ 0x1f) * 0x01000193u;
    }
    i32 f = layout_key_fields[k];
    for (i32 i = starts[f], end = ends[f]; i < end; i++) {
      u8 c = b[i];
      high = (high ^ c) * 0x01000193u;
      low = (low ^ c) * 0x01000193u;
    }
  }
  digests[2 * *digest_count] = high;
  digests[2 * *digest_count + 1] = low;
  (*digest_count)++;
}

/*
 * Consumes whole rows of `input[0, length)`; `at_end` when the window reaches the chunk's end
 * (then a row running past it is refused, as the JavaScript refuses it). Fills `result`.
 */
void run(i32 length, i32 at_end) {
  const i32 fields = layout_header[0];
  const i32 columns = layout_header[1];
  const u8 D = (u8)layout_header[2], Q = (u8)layout_header[3], E = (u8)layout_header[4];
  max_special = D > Q ? D : Q;
  if (max_special < COMMA) max_special = COMMA;
  max_quoted_special = Q > E ? Q : E;
  if (max_quoted_special < COMMA) max_quoted_special = COMMA;
  for (i32 f = 0; f < fields; f++) null_counts[f] = 0;
  i32 pos = 0, rows = 0, null_keys = 0, digest_count = 0, at = 0;
  i32 reason = RUN_END;
  while (pos < length) {
    if (digest_count == MAX_DIGESTS) {
      reason = RUN_FULL;
      break;
    }
    i32 next = check(input, pos, length);
    if (next < 0) {
      reason = next == CHECK_PAST_END && !at_end ? RUN_END : RUN_REFUSED;
      break;
    }
    if (row_flags & F_WRITE) {
      reason = RUN_WRITER;
      break;
    }
    if (at + 2 * (next - pos) + 4 * columns + 4 > OUTPUT_BYTES) {
      reason = RUN_FULL;
      break;
    }
    at = write_row(input, pos, output, at);
    count(input, &null_keys, &digest_count);
    pos = next;
    rows++;
  }
  result[0] = pos;
  result[1] = rows;
  result[2] = null_keys;
  result[3] = digest_count;
  result[4] = at;
  result[5] = reason;
}
