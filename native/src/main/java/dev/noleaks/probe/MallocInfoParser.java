package dev.noleaks.probe;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses glibc's {@code malloc_info(0, f)} XML. A hand parser over the bytes: the format is fixed
 * by glibc's {@code fprintf} calls (one element per line, attributes in a fixed order, no
 * escaping), and a generic XML parser costs more than the 1 ms budget allows once there are many
 * arenas.
 *
 * <p>The shape on glibc 2.36 (x86_64):
 *
 * <pre>{@code
 * <malloc version="1">
 * <heap nr="0">
 * <sizes>
 *   <size from="97" to="112" total="112" count="1"/>        a fast bin: from = to - 15
 *   <size from="81" to="81" total="404433" count="4993"/>   a bin: sizes carry flag bits
 *   <unsorted from="145" to="897" total="25665" count="49"/>
 * </sizes>
 * <total type="fast" count="2" size="240"/>
 * <total type="rest" count="4994" size="405377"/>           bins + unsorted + the top chunk
 * <system type="current" size="811008"/>
 * <system type="max" size="811008"/>
 * <aspace type="total" size="811008"/>
 * <aspace type="mprotect" size="811008"/>
 * </heap>
 * ... more heaps, then process-wide totals (type="fast", "rest", "mmap"), system and aspace
 * </malloc>
 * }</pre>
 *
 * <p>What the numbers mean, from glibc's {@code malloc_info} source and checked against {@code
 * mallinfo2} on this output: a fast-bin entry holds chunks of exactly {@code to} bytes ({@code
 * from} is {@code to - (MALLOC_ALIGNMENT - 1)}, a size class, not a chunk). A bin or {@code
 * unsorted} entry is a chunk size read without masking the flag bits, so a free 80-byte chunk shows
 * as 81 ({@code PREV_INUSE}); its {@code total} is the sum of those unmasked sizes. The top chunk
 * appears only inside {@code <total type="rest">}, which adds it to the unmasked bin totals (count
 * + 1), so {@code top = rest.size - sum(bin totals as printed)}. Chunks in the per-thread tcache do
 * not appear at all: glibc counts them as in use (up to 7 per size class per thread).
 */
final class MallocInfoParser {

  /** glibc's {@code SIZE_BITS}: PREV_INUSE | IS_MMAPPED | NON_MAIN_ARENA. */
  private static final long SIZE_BITS = 7;

  private byte[] text;
  private int end;
  private int position;

  /** Parses the first {@code length} bytes of {@code xml}. Not thread-safe: one per caller. */
  MallocInfo parse(byte[] xml, int length) {
    this.text = xml;
    this.end = length;
    this.position = 0;
    List<MallocInfo.Arena> arenas = new ArrayList<>();
    ArenaBuilder arena = null;
    while (nextTag()) {
      if (text[position] == '/') {
        if (arena != null && nameIs("/heap")) {
          arenas.add(arena.build());
          arena = null;
        }
      } else if (nameIs("heap")) {
        arena = new ArenaBuilder((int) attribute("nr"));
      } else if (arena != null) {
        if (nameIs("size") || nameIs("unsorted")) {
          arena.sizeEntry(
              attribute("from"), attribute("to"), attribute("total"), attribute("count"));
        } else if (nameIs("total")) {
          if (typeIs("fast")) {
            arena.fastBytes = attribute("size");
          } else if (typeIs("rest")) {
            arena.restBytes = attribute("size");
          }
        } else if (nameIs("system") && typeIs("current")) {
          arena.systemBytes = attribute("size");
        }
      }
    }
    this.text = null;
    return new MallocInfo(arenas);
  }

  private static final class ArenaBuilder {
    final int index;
    final List<MallocInfo.FreeChunks> chunks = new ArrayList<>();
    long printedBinTotals;
    long flagBytes;
    long largest;
    long fastBytes;
    long restBytes;
    long systemBytes;

    ArenaBuilder(int index) {
      this.index = index;
    }

    void sizeEntry(long from, long to, long total, long count) {
      long flags = to & SIZE_BITS;
      if (flags == 0 && from != to) {
        // a fast bin: every chunk is exactly `to` bytes; `from` is the size class's lower edge
        chunks.add(new MallocInfo.FreeChunks(to, to, count, total));
      } else {
        // a bin: unmasked sizes; every chunk in a bin has PREV_INUSE set (its predecessor is in
        // use, or the two would have been coalesced), so the same flags stand for all of them
        printedBinTotals += total;
        flagBytes += flags * count;
        chunks.add(
            new MallocInfo.FreeChunks(
                from & ~SIZE_BITS, to & ~SIZE_BITS, count, total - flags * count));
      }
      largest = Math.max(largest, to & ~SIZE_BITS);
    }

    MallocInfo.Arena build() {
      long top = Math.max(0, restBytes - printedBinTotals);
      long free = fastBytes + restBytes - flagBytes;
      return new MallocInfo.Arena(index, chunks, free, Math.max(largest, top), top, systemBytes);
    }
  }

  /** Moves past the next {@code '<'}; false at the end. */
  private boolean nextTag() {
    while (position < end) {
      if (text[position++] == '<') {
        return position < end;
      }
    }
    return false;
  }

  private boolean nameIs(String name) {
    int length = name.length();
    if (position + length >= end) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (text[position + i] != name.charAt(i)) {
        return false;
      }
    }
    byte after = text[position + length];
    return after == ' ' || after == '>' || after == '/';
  }

  private boolean typeIs(String type) {
    int at = valueStart("type");
    if (at < 0 || at + type.length() >= end) {
      return false;
    }
    for (int i = 0; i < type.length(); i++) {
      if (text[at + i] != type.charAt(i)) {
        return false;
      }
    }
    return text[at + type.length()] == '"';
  }

  /** The decimal value of attribute {@code name} of the current tag; 0 when absent. */
  private long attribute(String name) {
    int at = valueStart(name);
    long value = 0;
    if (at < 0) {
      return value;
    }
    while (at < end && text[at] >= '0' && text[at] <= '9') {
      value = value * 10 + (text[at++] - '0');
    }
    return value;
  }

  /** Index of the first character of {@code name="…"} in the current tag, or -1. */
  private int valueStart(String name) {
    int length = name.length();
    for (int i = position; i < end && text[i] != '>'; i++) {
      if (text[i] == ' ' && i + length + 2 < end && text[i + length + 1] == '=') {
        boolean match = true;
        for (int k = 0; k < length && match; k++) {
          match = text[i + 1 + k] == name.charAt(k);
        }
        if (match && text[i + length + 2] == '"') {
          return i + length + 3;
        }
      }
    }
    return -1;
  }
}
