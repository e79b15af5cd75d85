package dev.noleaks.internal.measure;

import java.util.OptionalLong;

/**
 * What all live threads have allocated so far ({@code ThreadMXBean}), at one moment. Two readings
 * bound what the whole process can have added to the heap in between, as long as no thread has
 * ended in between (its bytes would be lost with it): that shows as fewer live threads than the
 * started-thread count allows. Only sums are kept, no arrays, so that readings held across a class
 * histogram do not show in it as {@code long[]}.
 *
 * @param total the sum of every live thread's counter, or {@link #UNKNOWN}
 * @param started {@code getTotalStartedThreadCount()} when read
 * @param live how many threads were summed
 * @param reader the id of the thread that read it
 * @param own that thread's own counter
 * @param ownWork what NoLeaks' own work had allocated so far ({@link OwnWork#soFar()})
 */
public record Allocations(long total, long started, int live, long reader, long own, long ownWork) {

  /** A counter could not be read (a thread ended while it was read) or a thread started. */
  static final long UNKNOWN = -1;

  /** Reads every live thread's counter. */
  static Allocations read(com.sun.management.ThreadMXBean threads) {
    long ownWork = OwnWork.soFar();
    long started = threads.getTotalStartedThreadCount();
    long[] ids = threads.getAllThreadIds();
    long[] bytes = threads.getThreadAllocatedBytes(ids);
    long reader = Thread.currentThread().getId();
    long total = 0;
    long own = UNKNOWN;
    for (int i = 0; i < ids.length; i++) {
      if (bytes[i] < 0) {
        total = UNKNOWN;
        break;
      }
      total += bytes[i];
      own = ids[i] == reader ? bytes[i] : own;
    }
    if (threads.getTotalStartedThreadCount() != started) {
      total = UNKNOWN; // a thread started while the counters were read
    }
    return new Allocations(total, started, ids.length, reader, own, ownWork);
  }

  /**
   * Bytes allocated by all threads from {@code earlier} to this reading; empty when a thread has
   * ended in between (also one that started and ended) or a reading is unknown.
   */
  public OptionalLong since(Allocations earlier) {
    if (total == UNKNOWN || earlier.total == UNKNOWN) {
      return OptionalLong.empty();
    }
    return threadEnded(earlier.started, earlier.live, started, live)
        ? OptionalLong.empty()
        : OptionalLong.of(total - earlier.total);
  }

  /**
   * Whether a thread ended between two readings of the started-thread count and the number of live
   * threads: every start adds one to both, every end takes one from the live threads only.
   */
  public static boolean threadEnded(
      long startedBefore, int liveBefore, long startedAfter, int liveAfter) {
    return startedAfter - startedBefore != liveAfter - liveBefore;
  }

  /**
   * As {@link #since}, less what the thread that read both readings allocated itself; empty when
   * two threads read them.
   */
  public OptionalLong othersSince(Allocations earlier) {
    OptionalLong all = since(earlier);
    if (all.isEmpty() || reader != earlier.reader || own < 0 || earlier.own < 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(all.getAsLong() - (own - earlier.own));
  }

  /**
   * As {@link #since}, less what NoLeaks' own work allocated in between ({@link OwnWork}): the
   * bytes the code under test, its set-up and the test framework can have added to the heap.
   */
  public OptionalLong notOwnSince(Allocations earlier) {
    OptionalLong all = since(earlier);
    return all.isEmpty()
        ? all
        : OptionalLong.of(Math.max(0, all.getAsLong() - (ownWork - earlier.ownWork)));
  }
}
