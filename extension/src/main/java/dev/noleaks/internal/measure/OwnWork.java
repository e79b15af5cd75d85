package dev.noleaks.internal.measure;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.LongAdder;

/**
 * What NoLeaks' own work between tests has allocated on the heap: its snapshots, judgements and
 * report entries, about 90 KB a check. All of it is garbage once the check is over, so a heap
 * baseline derived from the last full GC need not count it ({@link Allocations#notOwnSince}); with
 * it counted, the allocations since the last GC passed the bound of a derived baseline after one or
 * two small tests, and every second test paid a full GC (measured: 107 full GCs for 200 tests of a
 * few µs each).
 *
 * <p>Work is measured by the calling thread's allocation counter from the start of the outermost
 * {@link #enter()} on that thread; {@link #soFar()} includes the work still under way on the
 * reading thread, so a reading taken in the middle of it splits it correctly.
 */
public final class OwnWork {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static final LongAdder DONE = new LongAdder();

  /** This thread's counter when its outermost work started, and how deep it is nested. */
  private static final ThreadLocal<long[]> UNDER_WAY = ThreadLocal.withInitial(() -> new long[2]);

  private OwnWork() {}

  /**
   * NoLeaks' own work starts on this thread; {@link #exit()} ends it, in a {@code finally}. Nested
   * work is counted once, with the outermost. Not a method taking a lambda: a check's first call of
   * a lambda links its call site, and what that made was +760 KB of heap in the first test of a JVM
   * (an instance method reference, JDK 17, without Native Memory Tracking).
   */
  public static void enter() {
    long[] underWay = UNDER_WAY.get();
    if (underWay[1]++ == 0) {
      underWay[0] = THREADS.getCurrentThreadAllocatedBytes();
    }
  }

  /** NoLeaks' own work on this thread ends ({@link #enter()}). */
  public static void exit() {
    long[] underWay = UNDER_WAY.get();
    if (--underWay[1] == 0) {
      DONE.add(THREADS.getCurrentThreadAllocatedBytes() - underWay[0]);
    }
  }

  /**
   * Bytes NoLeaks' own work has allocated so far, with what the reading thread's work under way
   * has.
   */
  public static long soFar() {
    long[] underWay = UNDER_WAY.get();
    long current = underWay[1] > 0 ? THREADS.getCurrentThreadAllocatedBytes() - underWay[0] : 0;
    return DONE.sum() + current;
  }
}
