package dev.noleaks.internal.measure;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Other tests running while a check measures, seen through the threads that run tests beside the
 * current one. Every meter but the calling thread's allocations is process-wide, so under JUnit's
 * parallel execution a test that is not isolated reads its neighbours' files, threads and memory
 * too: a neighbour's open socket would be blamed on it, a neighbour's freed memory would hide its
 * leak. A test running is never silent on the heap, so a sibling worker whose allocation counter
 * moved during the check ran something, and the check cannot tell its readings from the
 * neighbour's.
 *
 * <p>The siblings are the other threads of JUnit's parallel executor, of the current thread's class
 * ({@code ForkJoinPoolHierarchicalTestExecutorService$WorkerThread} in JUnit 5, {@code
 * WorkerThreadPoolHierarchicalTestExecutorService$WorkerThread} in JUnit 6.1): without parallel
 * execution tests run on {@code main}, and code the test runs on its own threads (a pool whose
 * workers do the work under test) is never taken for a neighbour.
 */
public final class Concurrency {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Each sibling's allocation counter when the check began. */
  private final Map<Long, Long> allocatedAtStart;

  private final Thread self;

  private Concurrency(Thread self, Map<Long, Long> allocatedAtStart) {
    this.self = self;
    this.allocatedAtStart = allocatedAtStart;
  }

  /**
   * Whether the current thread runs a test that holds JUnit's global lock ({@code @NoLeaks}): then
   * nothing runs beside it, and what its code runs on JUnit's own workers (a parallel stream
   * started on a ForkJoin worker forks into JUnit's pool) is not taken for a neighbour.
   */
  private static final ThreadLocal<Boolean> ISOLATED = ThreadLocal.withInitial(() -> false);

  /** Marks the current thread's test as isolated, or no longer. */
  public static void isolated(boolean isolated) {
    if (isolated) {
      ISOLATED.set(true);
    } else {
      ISOLATED.remove();
    }
  }

  /**
   * Starts watching the current thread's siblings; empty when there are none to watch: no parallel
   * run, or a test isolated by {@code @NoLeaks}.
   */
  public static Optional<Concurrency> watch() {
    Thread self = Thread.currentThread();
    if (ISOLATED.get()
        || !self.getClass().getName().startsWith(JUNIT_EXECUTOR)
        || !THREADS.isThreadAllocatedMemorySupported()) {
      return Optional.empty();
    }
    return Optional.of(new Concurrency(self, allocated(siblings(self))));
  }

  /**
   * How many sibling threads ran something since {@link #watch()}: allocated on the heap, or
   * started since (a new worker is only made for work).
   */
  public int neighbours() {
    Map<Long, Long> now = allocated(siblings(self));
    int busy = 0;
    for (Map.Entry<Long, Long> e : now.entrySet()) {
      Long before = allocatedAtStart.get(e.getKey());
      if (before == null || e.getValue() > before) {
        busy++;
      }
    }
    return busy;
  }

  private static List<Thread> siblings(Thread self) {
    List<Thread> result = new ArrayList<>();
    for (Thread t : Meters.liveThreads()) {
      if (t != self && t.getClass() == self.getClass()) {
        result.add(t);
      }
    }
    return result;
  }

  /** The package of JUnit's test executors, whose worker threads run tests in parallel. */
  private static final String JUNIT_EXECUTOR = "org.junit.platform.engine.support.hierarchical.";

  private static Map<Long, Long> allocated(List<Thread> threads) {
    long[] ids = new long[threads.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = threads.get(i).getId();
    }
    long[] bytes = THREADS.getThreadAllocatedBytes(ids);
    Map<Long, Long> result = new HashMap<>();
    for (int i = 0; i < ids.length; i++) {
      if (bytes[i] >= 0) {
        result.put(ids[i], bytes[i]);
      }
    }
    return result;
  }
}
