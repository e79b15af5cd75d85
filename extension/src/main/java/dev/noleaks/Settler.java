package dev.noleaks;

import static org.awaitility.Awaitility.await;

import java.lang.management.CompilationMXBean;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Brings the process to rest before a snapshot: a full GC, then polling until asynchronous releases
 * are done. Direct buffers are freed 0–35 ms after {@code System.gc()} returns, JNA {@code Memory}
 * by JNA's cleaner thread, and a thread whose task ended still takes a moment to exit, so a fixed
 * sleep is wrong both ways: polling stops as soon as nothing is left over.
 */
final class Settler {

  static final Duration POLL = Duration.ofMillis(20);

  /**
   * How long leftovers must stay unchanged before they count as leaked rather than still being
   * released: well above the 35 ms a direct buffer takes to be freed after GC.
   */
  static final Duration QUIET = Duration.ofMillis(200);

  /** Upper bound of the wait for the JIT compiler to go idle before a native reading. */
  static final Duration COMPILER_QUIET_MAX = Duration.ofSeconds(2);

  private Settler() {}

  /**
   * A full GC, then waits (bounded) until the reference handler has processed this cycle's
   * references: a sentinel weakly reachable object is enqueued.
   */
  static void collectGarbage() {
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
    System.gc();
    try {
      queue.remove(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sentinel.clear();
  }

  /**
   * Settles and returns a snapshot that is {@code clean}, or the last one once the leftovers have
   * been unchanged for {@link #QUIET} or {@code timeout} has passed.
   */
  static Snapshot settle(
      Meters meters, Duration timeout, boolean quietCompiler, Predicate<Snapshot> clean) {
    Snapshot[] last = {read(meters, quietCompiler)};
    if (clean.test(last[0]) || timeout.isZero()) {
      return last[0];
    }
    Fingerprint[] seen = {meters.fingerprint()};
    long[] quietSince = {System.nanoTime()};
    try {
      await("settling")
          .pollInSameThread()
          .pollDelay(POLL)
          .pollInterval(POLL)
          .atMost(timeout)
          .until(
              () -> {
                last[0] = read(meters, quietCompiler);
                if (clean.test(last[0])) {
                  return true;
                }
                Fingerprint now = meters.fingerprint();
                if (!now.equals(seen[0])) {
                  seen[0] = now;
                  quietSince[0] = System.nanoTime();
                }
                return System.nanoTime() - quietSince[0] >= QUIET.toNanos();
              });
    } catch (ConditionTimeoutException e) {
      // Still changing at the bound: judge what is there now.
    }
    return last[0];
  }

  private static Snapshot read(Meters meters, boolean quietCompiler) {
    collectGarbage();
    if (quietCompiler) {
      awaitCompilerQuiet(meters.compilation());
    }
    return meters.capture(true);
  }

  /**
   * Waits, bounded, until the JIT's total compilation time stops changing: C2 allocates its arenas
   * with malloc, so native readings swing by KB to MB while it compiles.
   */
  static void awaitCompilerQuiet(Optional<CompilationMXBean> compilation) {
    if (compilation.isEmpty()) {
      return;
    }
    CompilationMXBean jit = compilation.get();
    long[] previous = {jit.getTotalCompilationTime()};
    try {
      await("compiler quiet")
          .pollInSameThread()
          .pollDelay(Duration.ofMillis(5))
          .pollInterval(Duration.ofMillis(5))
          .atMost(COMPILER_QUIET_MAX)
          .until(
              () -> {
                long now = jit.getTotalCompilationTime();
                boolean quiet = now == previous[0];
                previous[0] = now;
                return quiet;
              });
    } catch (ConditionTimeoutException e) {
      // The JIT is still busy at the bound; the reading may carry its noise.
    }
  }

  /** Runs every path once so that Awaitility's classes are loaded before any baseline. */
  static void warmUp(Meters meters) {
    settle(meters, POLL.multipliedBy(3), true, s -> false);
  }
}
