package dev.noleaks.probe;

import static org.awaitility.Awaitility.await;

import com.sun.jna.Native;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Test support: glibc chunk arithmetic and noise control for process-wide native readings. */
final class NativeHeap {

  private NativeHeap() {}

  /**
   * glibc's {@code request2size}: the chunk a {@code malloc(request)} occupies. SIZE_SZ is {@code
   * size_t}'s width and MALLOC_ALIGNMENT is {@code 2 * SIZE_SZ} on LP64 (x86_64, aarch64): 80 B for
   * 64 B, 1 MiB + 16 B for 1 MiB.
   */
  static long chunkSize(long request) {
    long sizeSz = Native.SIZE_T_SIZE;
    long alignMask = 2 * sizeSz - 1;
    long minSize = 4 * sizeSz;
    return Math.max(minSize, (request + sizeSz + alignMask) & ~alignMask);
  }

  static long inUse(Probe probe) {
    return probe.malloc().orElseThrow().inUse();
  }

  /**
   * The compiler threads' CPU clock (see {@link CompilerActivity}), read through the probe that the
   * tests measure with.
   */
  private static final Optional<CompilerActivity> COMPILERS =
      CompilerActivity.open(Probe.current());

  /**
   * Waits, bounded, until the JIT has compiled nothing for 100 ms: C2 allocates and frees KBs to
   * MBs of arena memory per compilation on its own threads, which moves process-wide readings.
   * "Nothing" means neither a compilation finished nor a compiler thread used CPU: with both cores
   * busy, one C2 compile of the test's loop runs for seconds, and the total compilation time moves
   * only when it ends (readings taken meanwhile drifted by +14 KB to +716 KB over 100 malloc_info
   * calls, load ~8).
   */
  static void awaitQuietCompiler() {
    AtomicLong last = new AtomicLong(-1);
    AtomicLong since = new AtomicLong(System.nanoTime());
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          // Awaitility's default poller is a new thread, whose exit frees its native memory
          // (about 3.7 KB, measured) during the next measurement
          .pollInSameThread()
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                long clock = compilerClock();
                long now = System.nanoTime();
                if (clock != last.getAndSet(clock)) {
                  since.set(now);
                }
                return now - since.get() >= 100_000_000L;
              });
    } catch (org.awaitility.core.ConditionTimeoutException busy) {
      // measure anyway: the assertions take medians and retry
    }
  }

  /**
   * Total JIT milliseconds plus the compiler threads' CPU nanoseconds (shifted apart): changes when
   * a compilation finishes and while one runs.
   */
  private static long compilerClock() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long total =
        jit != null && jit.isCompilationTimeMonitoringSupported()
            ? jit.getTotalCompilationTime() << 40
            : 0;
    return total + COMPILERS.flatMap(CompilerActivity::cpuNanos).orElse(0L);
  }

  /**
   * Runs {@code check} up to {@code attempts} times until it passes. Process-wide readings move
   * with every other thread's allocations (C2 compiles, GC); a real defect fails every attempt. The
   * last failure is thrown with the earlier ones suppressed.
   */
  static void retrying(int attempts, Runnable check) {
    AssertionError failure = null;
    for (int i = 0; i < attempts; i++) {
      try {
        awaitQuietCompiler();
        check.run();
        return;
      } catch (AssertionError e) {
        if (failure != null) {
          e.addSuppressed(failure);
        }
        failure = e;
      }
    }
    throw failure;
  }

  /**
   * The median, over {@code trials}, of the change in in-use bytes across {@code action}; {@code
   * cleanup} runs after each reading, unmeasured. A sample during which the JIT compiled (or a
   * compiler thread ran) or a GC ran is taken again (at most {@code 4 * trials} samples in all):
   * both malloc and free tens to hundreds of KB on their own threads (measured: up to +328 KB
   * across 100 malloc_info calls).
   */
  static long medianChange(Probe probe, int trials, Runnable action, Runnable cleanup) {
    long[] changes = new long[trials];
    int clean = 0;
    for (int sample = 0; sample < 4 * trials && clean < trials; sample++) {
      long activity = jvmActivity();
      long before = inUse(probe);
      action.run();
      long change = inUse(probe) - before;
      cleanup.run();
      if (jvmActivity() == activity || sample >= 4 * trials - (trials - clean)) {
        changes[clean++] = change;
      }
    }
    Arrays.sort(changes, 0, clean);
    return changes[clean / 2];
  }

  /** GC count plus the {@link #compilerClock()}: changes whenever either ran. */
  private static long jvmActivity() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += gc.getCollectionCount();
    }
    return total * 31 + compilerClock();
  }

  static long medianChange(Probe probe, int trials, Runnable action) {
    return medianChange(probe, trials, action, () -> {});
  }

  /** The median of {@code trials} evaluations; other threads' allocations move single samples. */
  static long median(int trials, LongSupplier sample) {
    long[] values = new long[trials];
    for (int i = 0; i < trials; i++) {
      values[i] = sample.getAsLong();
    }
    Arrays.sort(values);
    return values[trials / 2];
  }
}
