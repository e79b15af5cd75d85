package dev.noleaks;

import java.util.Arrays;
import java.util.OptionalLong;

/**
 * Every live thread's allocation counter at one moment ({@code ThreadMXBean}), sorted by thread id.
 * Two tables bound what the whole process can have added to the heap in between, as long as no
 * thread of the first has ended (its bytes would be lost with it).
 */
final class Allocations {

  private final long[] ids;
  private final long[] bytes;
  private final long started;

  Allocations(long[] ids, long[] bytes, long started) {
    this.ids = ids;
    this.bytes = bytes;
    this.started = started;
  }

  /** Reads the table; {@code ids} and {@code bytes} come from the same {@code ThreadMXBean}. */
  static Allocations read(com.sun.management.ThreadMXBean threads) {
    long[] ids = threads.getAllThreadIds();
    Arrays.sort(ids);
    long[] bytes = threads.getThreadAllocatedBytes(ids);
    return new Allocations(ids, bytes, threads.getTotalStartedThreadCount());
  }

  /**
   * Bytes allocated by all threads from {@code earlier} to this table; empty when a thread has
   * ended in between or a counter could not be read (-1), so the bytes are not known.
   */
  OptionalLong since(Allocations earlier) {
    long total = 0;
    long born = 0;
    for (int i = 0; i < ids.length; i++) {
      if (bytes[i] < 0) {
        return OptionalLong.empty();
      }
      int k = Arrays.binarySearch(earlier.ids, ids[i]);
      born += k >= 0 ? 0 : 1;
      total += bytes[i] - (k >= 0 ? earlier.bytes[k] : 0);
    }
    if (born != started - earlier.started) {
      return OptionalLong.empty(); // a thread started and ended in between
    }
    for (int k = 0; k < earlier.ids.length; k++) {
      if (Arrays.binarySearch(ids, earlier.ids[k]) < 0 || earlier.bytes[k] < 0) {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.of(total);
  }
}
