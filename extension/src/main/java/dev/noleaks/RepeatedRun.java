package dev.noleaks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Repeated mode: runs a body {@code warmup} times unmeasured, then {@code repeat} times with a
 * settled reading of heap and native memory after each, and judges each meter by its {@link Trend}.
 * Used by the extension ({@code @NoLeaks(repeat = N)}, body = the test method) and by {@code
 * assertThatCode(...).repeated(n)}.
 *
 * <p>Between readings the runner keeps nothing but arrays allocated up front: holding a snapshot
 * per run would itself grow the heap every run.
 */
final class RepeatedRun {

  /** The repeated code. Its exceptions stop the repetition and propagate unchanged. */
  @FunctionalInterface
  interface Body {
    void run() throws Throwable;
  }

  /** Native measurement goes on, while the JIT is busy, up to this many times {@code repeat}. */
  static final int MAX_EXTENSION = 4;

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private RepeatedRun() {}

  /**
   * Runs the body {@code warmup + repeat} times (more while the JIT is busy, see below) and returns
   * the heap and native leaks the trend rule finds, for the checks {@code settings} enable.
   * Descriptors, threads and buffers are not judged here: the single-run rule over the whole
   * repetition does that.
   */
  static List<Finding> run(Settings settings, Body body) throws Throwable {
    Meters meters = Meters.get();
    boolean heap = settings.checks(Check.HEAP) && meters.explicitGcWorks();
    boolean nativeMemory = settings.checks(Check.NATIVE) && meters.probe().malloc().isAvailable();
    int n = settings.repeat();
    int most = n * MAX_EXTENSION;
    Readings r = new Readings(most + 1);
    // Warm-up runs read like measured ones, so the reading path is compiled before it is measured.
    for (int i = 0; i < settings.warmup(); i++) {
      body.run();
      r.read(meters, nativeMemory, 0);
    }
    Optional<String> histogram = Optional.empty();
    if (heap) {
      // Taken before the baseline reading: the text stays reachable until the end, so it must
      // already be in the heap when the baseline is read.
      Settler.collectGarbage();
      histogram = ClassHistogram.take();
    }
    r.read(meters, nativeMemory, 0);
    int runs = 0;
    while (runs < n) {
      runs++;
      body.run();
      r.read(meters, nativeMemory, runs);
    }

    List<Finding> findings = new ArrayList<>();
    if (heap) {
      Trend trend = new Trend("heap", Arrays.copyOf(r.heap, n + 1), settings.heapThreshold());
      if (trend.leaks()) {
        List<Finding> one = new ArrayList<>(List.of(finding(Check.HEAP, trend, n, settings, 0)));
        NoLeaksExtension.explainHeap(one, histogram);
        findings.addAll(one);
      }
    }
    if (nativeMemory) {
      // While the JIT compiles, each compilation leaves malloc'd metadata behind (NMT: "Code" and
      // "Class" malloc) and its arenas come and go: a clean JIT-heavy body grew 1-5 KB per run over
      // its first ~50 runs (JDK 17). A rising trend seen while the JIT was busy is measured again
      // over later runs, until it holds with the JIT idle, it ends, or the bound is reached.
      Trend trend = r.nativeTrend(runs, n, settings.nativeThreshold());
      while (trend.leaks() && r.jitBusy(runs, Trend.WINDOW) > 0 && runs < most) {
        for (int i = 0; i < Trend.WINDOW && runs < most; i++) {
          runs++;
          body.run();
          r.read(meters, true, runs);
        }
        trend = r.nativeTrend(runs, n, settings.nativeThreshold());
      }
      if (trend.leaks()) {
        findings.add(finding(Check.NATIVE, trend, runs, settings, r.jitBusy(runs, trend.window())));
      }
    }
    return findings;
  }

  /**
   * Readings after the baseline (index 0) and after each measured run, in arrays allocated once,
   * and for each run whether the JIT compiled between the previous reading and this one.
   */
  private static final class Readings {
    final long[] heap;
    final long[] nativeBytes;
    final boolean[] jitted;
    private Optional<Settler.CompilerClock> clock = Optional.empty();

    Readings(int size) {
      heap = new long[size];
      nativeBytes = new long[size];
      jitted = new boolean[size];
    }

    /**
     * A full GC, then heap used; for native memory, waits for the JIT to go idle first (its arenas
     * are malloc memory).
     */
    void read(Meters meters, boolean nativeMemory, int i) {
      Settler.collectGarbage();
      heap[i] = MEMORY.getHeapMemoryUsage().getUsed();
      if (nativeMemory) {
        // Raw glibc in-use, not less Native Memory Tracking's figure: NMT counts requested bytes
        // without chunk overhead, so the JVM's own malloc churn left +/-10s of KB of noise per
        // reading (measured), which hides leaks of tens of bytes per run.
        Optional<Settler.CompilerClock> now = Settler.awaitCompilerQuiet(meters);
        nativeBytes[i] = meters.probe().malloc().orElseThrow().inUse();
        jitted[i] = !now.equals(clock);
        clock = now;
      }
    }

    /** The trend over the {@code n} runs up to run {@code last}. */
    Trend nativeTrend(int last, int n, long threshold) {
      return new Trend(
          "native memory", Arrays.copyOfRange(nativeBytes, last - n, last + 1), threshold);
    }

    /** Of the last {@code count} runs up to {@code last}, those during which the JIT compiled. */
    int jitBusy(int last, int count) {
      int busy = 0;
      for (int i = Math.max(1, last - count + 1); i <= last; i++) {
        busy += jitted[i] ? 1 : 0;
      }
      return busy;
    }
  }

  private static Finding finding(Check check, Trend trend, int runs, Settings settings, int jit) {
    return Finding.leak(
        check,
        trend.describe(),
        List.of(
            Rules.plural(runs, "measured run")
                + " after "
                + Rules.plural(settings.warmup(), "warm-up run")
                + "; readings from "
                + Sizes.count(trend.readings()[0])
                + " B to "
                + Sizes.count(trend.readings()[trend.readings().length - 1])
                + " B"
                + (check == Check.HEAP ? " (heap used after a full GC)" : " (malloc in use)")
                + (jit > 0
                    ? "; the JIT compiled during "
                        + jit
                        + " of the last "
                        + trend.window()
                        + " runs: a JIT-heavy body may need a longer warmup"
                    : "")));
  }
}
