package dev.noleaks.internal.engine;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Rules;
import dev.noleaks.internal.judge.Trend;
import dev.noleaks.internal.measure.Allocations;
import dev.noleaks.internal.measure.ClassHistogram;
import dev.noleaks.internal.measure.HeapPaths;
import dev.noleaks.internal.measure.JvmMalloc;
import dev.noleaks.internal.measure.Meters;
import dev.noleaks.internal.measure.NativeSites;
import dev.noleaks.internal.measure.Settler;
import dev.noleaks.probe.Reading;
import dev.noleaks.probe.ThreadCache;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Repeated mode: runs a body {@code warmup} times unmeasured, then {@code repeat} times with a
 * settled reading of heap and native memory after each, and judges each meter by its {@link Trend}.
 * Used by the extension ({@code @NoLeaks(repeat = N)}, body = the test method) and by {@code
 * assertThatRunning(...).repeated(n)}.
 *
 * <p>Between readings the runner keeps nothing but arrays allocated up front: holding a snapshot
 * per run would itself grow the heap every run.
 */
final class RepeatedRun {

  /** Native measurement goes on, while the JIT is busy, up to this many times {@code repeat}. */
  static final int MAX_EXTENSION = 4;

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static final JvmMalloc JVM_MALLOC = JvmMalloc.create();

  /**
   * glibc's overhead per block the JVM malloc'ed, beyond NMT's header: an 8 B size field and the
   * rounding up to 16 B. Measured: JDK 17's diagnostic command leaks one 3-byte malloc per call, 19
   * B in NMT and a 32 B chunk in glibc, so 13 B; JIT bursts showed 10–17 B per block.
   */
  static final long CHUNK_OVERHEAD = 13;

  private RepeatedRun() {}

  /**
   * Runs the body {@code warmup + repeat} times (more while the JIT is busy, see below) and returns
   * the heap and native leaks the trend rule finds, for the checks {@code settings} enable.
   * Descriptors, threads and buffers are not judged here: the single-run rule over the whole
   * repetition does that.
   */
  static Repetition run(Settings settings, LeakCheck.Body body) throws Throwable {
    Meters meters = LeakCheck.meters();
    boolean heap = settings.checks(Check.HEAP) && meters.explicitGcWorks();
    boolean mallocRead = settings.checks(Check.NATIVE) && meters.probe().malloc().isAvailable();
    // Without Native Memory Tracking a run's few bytes cannot be told from the JVM's own malloc:
    // a clean body that starts and joins threads (object monitors) failed 11 of 12 repetitions, one
    // that first uses JDK facilities 8 of 12 (native-matrix, JDK 17 and 25). Not judged, and said.
    Optional<Finding.Reason> nativeNotJudged =
        !mallocRead
            ? Optional.empty()
            : !JVM_MALLOC.enabled()
                ? Optional.of(new Finding.WithoutNmt())
                : JVM_MALLOC.readBoth().unavailableReason().map(Finding.Unreadable::new);
    boolean nativeMemory = mallocRead && nativeNotJudged.isEmpty();
    int n = settings.repeat();
    int most = n * MAX_EXTENSION;
    Series r = new Series(most + 1);
    // The calling thread's malloc cache is emptied around each run, so that what the run mallocs
    // shows in the in-use figure (see ThreadCache).
    ThreadCache cache = new ThreadCache();
    LeakCheck.Body measured =
        !nativeMemory
            ? body
            : () -> {
              cache.drain();
              try {
                body.run();
              } finally {
                cache.refill();
              }
            };
    // Warm-up runs read like measured ones, so the reading path is compiled before it is measured.
    for (int i = 0; i < settings.warmup(); i++) {
      measured.run();
      r.read(meters, nativeMemory, 0);
    }
    if (nativeMemory) {
      r.learnOwnBlocks();
    }
    Optional<ClassHistogram.RunHistograms> histograms = Optional.empty();
    if (heap) {
      // Taken before the baseline reading: what they keep stays reachable until the end, so it must
      // already be in the heap when the baseline is read.
      histograms = ClassHistogram.RunHistograms.start();
    }
    r.read(meters, nativeMemory, 0);
    // The midpoint histogram disturbs the next native reading (the JVM mallocs for it): early
    // enough that this run is outside the last 10 when there are 20 or more.
    int middle = Math.min(n - 1, Math.max(Trend.WINDOW / 2, (n - Trend.WINDOW) / 2));
    int runs = 0;
    while (runs < n) {
      runs++;
      measured.run();
      r.read(meters, nativeMemory, runs);
      if (runs == middle && histograms.isPresent()) {
        histograms.get().middle(runs);
      }
    }
    // Only when the heap leaked: the finding is built twice, the first one being garbage when the
    // last histogram is taken (the trend's readings it holds would count as growth of long[]).
    if (heap && histograms.isPresent() && heapLeak(r, n, settings).isPresent()) {
      histograms.get().end(n);
    }

    List<Finding> findings = new ArrayList<>();
    nativeNotJudged.ifPresent(why -> findings.add(new Finding.Unavailable(Check.NATIVE, why)));
    if (heap) {
      Optional<Finding.TrendGrew> leak = heapLeak(r, n, settings);
      if (leak.isPresent()) {
        Finding.TrendGrew found =
            histograms.isPresent()
                ? leak.get().withClasses(histograms.get().grownEveryRun(Rules.TOP_CLASSES))
                : leak.get();
        findings.add(
            HeapPaths.of(found.classes(), settings.heapDump(), Optional.empty())
                .map(found::withHeldBy)
                .orElse(found));
      }
    }
    if (nativeMemory) {
      // While the JIT compiles, native readings move by hundreds of bytes to KBs either way, even
      // less the JVM's own malloc: the compiler threads' malloc caches fill and empty (glibc counts
      // cached chunks as in use) and not every chunk's overhead is the estimated one. A clean
      // JIT-heavy body then rose in most runs, and a 64 B/run leak fell in 2 of 10 (JDK 25, whose
      // JIT kept compiling through 80 runs of the test suite). A trend measured while the JIT was
      // busy, leaking or not, is measured over more runs until the JIT is idle or the bound is
      // reached, or the slope drops once at least 10 runs were undisturbed (a noisy slope fell to
      // 39 B/run under a 64 B/run leak after 30 runs in a fresh JDK 25, with 3 undisturbed runs);
      // see judgeNative for what is judged then.
      Trend trend = Series.nativeTrend(r.nativeBytes, runs, n, settings.nativeThreshold());
      while (runs < most
          && Series.count(r.disturbed, runs, Trend.WINDOW) > 0
          && (trend.slope() > trend.threshold()
              || Series.undisturbed(r.disturbed, runs) < Trend.WINDOW)) {
        for (int i = 0; i < Trend.WINDOW && runs < most; i++) {
          runs++;
          measured.run();
          r.read(meters, true, runs);
        }
        trend = Series.nativeTrend(r.nativeBytes, runs, n, settings.nativeThreshold());
      }
      Optional<Finding> leak = judgeNative(r.nativeBytes, r.disturbed, runs, settings);
      if (leak.isPresent()
          && leak.get() instanceof Finding.TrendGrew grew
          && LeakCheck.recordsSites(settings)) {
        leak = Optional.of(grew.withSites(sites(measured, grew.trend())));
      }
      leak.ifPresent(findings::add);
    }
    List<Trend> series = new ArrayList<>();
    if (heap) {
      // The heap's judged runs: past them, runs measured for native memory's sake read the
      // histograms taken after the n-th run too.
      series.add(new Trend(Check.HEAP, Arrays.copyOf(r.heap, n + 1), settings.heapThreshold()));
    }
    if (nativeMemory) {
      series.add(
          new Trend(
              Check.NATIVE, Arrays.copyOf(r.nativeBytes, runs + 1), settings.nativeThreshold()));
    }
    return new Repetition(findings, series);
  }

  /**
   * What a repetition found, and each meter's readings over the runs measured for it (the baseline
   * after the warm-up first), for reports: a native finding may judge fewer runs than were
   * measured.
   */
  record Repetition(List<Finding> findings, List<Trend> series) {
    Repetition {
      findings = List.copyOf(findings);
      series = List.copyOf(series);
    }
  }

  /**
   * Runs recorded after a native trend was found, to tell where their unfreed bytes were allocated:
   * enough for a 64 B/run leak to stand out as 10 blocks at one line, few enough to cost 20-60 ms.
   */
  static final int SITE_RUNS = 10;

  /**
   * Where the bytes of {@value #SITE_RUNS} more runs of the body, recorded, were left unfreed, to
   * explain the growth the trend's slope predicts for them. The trend is judged already: these
   * runs' readings are not part of it.
   */
  private static NativeSites.Explained sites(LeakCheck.Body body, Trend trend) throws Throwable {
    long grown = Math.round(trend.slope() * SITE_RUNS);
    // Reached with NMT only: without it the trend is not judged (Finding.WithoutNmt).
    Reading<NativeSites> recorder = LeakCheck.recorder(LeakCheck.meters());
    if (recorder.toOptional().isEmpty()) {
      return new NativeSites.Explained(LeakCheck.notRecorded(recorder), grown);
    }
    NativeSites.Recording recording = recorder.toOptional().get().start();
    try {
      for (int i = 0; i < SITE_RUNS; i++) {
        body.run();
      }
    } catch (Throwable t) {
      recording.stop(0);
      throw t;
    }
    return new NativeSites.Explained(LeakCheck.stopAfterGc(recording, SITE_RUNS), grown);
  }

  /**
   * The native verdict over {@code runs} measured runs ({@code readings[0]} is the baseline), once
   * the repetition is over: a leak, nothing, or that the rule could not judge.
   *
   * <p>When the JIT compiled or the JVM malloc'ed for itself during some of the last runs, only the
   * last runs without either are judged, if at least {@value Trend#WINDOW} were measured. With
   * fewer, the check says it could not judge (unavailable, with the reason and the trend over every
   * run), never a silent pass and never a failure: a noisy slope fell below the threshold under a
   * 64 B/run leak, and rose above it for a clean body. So does a judged series whose slope is above
   * the threshold while too few of its runs grew. Measured under a load of 5 on 2 cores (two {@code
   * yes} and a build beside it): a 64 B/run leak had 14 to 24 undisturbed runs of 80 on JDK 17 (9
   * of 9 caught), 10 to 17 on JDK 25, where undisturbed runs read -8 B and +12 B among the +80 B
   * ones; clean bodies 4 to 13 of 20 to 40 (JDK 17).
   *
   * @param readings native readings, baseline first
   * @param disturbed per reading, whether the JVM or a thread change disturbed its run
   */
  static Optional<Finding> judgeNative(
      long[] readings, boolean[] disturbed, int runs, Settings settings) {
    int n = settings.repeat();
    long threshold = settings.nativeThreshold();
    Trend trend = Series.nativeTrend(readings, runs, n, threshold);
    int jit = Series.count(disturbed, runs, trend.window());
    Optional<Trend> quiet =
        jit > 0
            ? Series.quietTrend(Check.NATIVE, readings, disturbed, runs, n, threshold)
            : Optional.empty();
    if (quiet.isPresent()) {
      Trend q = quiet.get();
      Finding.Judged judged = new Finding.UndisturbedRuns(jit, trend.window());
      return q.leaks()
          ? Optional.of(finding(q, runs, settings, judged))
          : notJudgedWhenItRose(q, judged);
    }
    if (jit == 0) {
      Finding.Judged every = Finding.EveryRun.NATIVE;
      return trend.leaks()
          ? Optional.of(finding(trend, runs, settings, every))
          : notJudgedWhenItRose(trend, every);
    }
    // Disturbed runs and too few undisturbed ones: not judged, even when the trend over every run
    // leaks. In the issue-12 matrix (NMT, other core busy, 40 JVMs) that verdict failed clean
    // bodies 3 times in 140 (first uses of XML, GZIP and logging; threads joined: 54-64 B/run with
    // single runs of +4.4 KB), while all 80 leaks caught (64 B/run via JNA, 1 KB/run via Unsafe)
    // were judged on undisturbed runs or on runs that nothing disturbed.
    return notJudged(
        new Finding.TooFewUndisturbed(trend, runs, Series.undisturbed(disturbed, runs)));
  }

  /**
   * Not judged when the slope is above the threshold but too few runs grew: a leak whose runs read
   * as often as not below zero (undisturbed readings moved by -8 B to +12 B against a 64 B/run
   * leak's +80 B on JDK 25 under load), or a clean body that wanders upward. Either way, the rule
   * cannot tell, so it says so; empty when the slope is at most the threshold.
   */
  private static Optional<Finding> notJudgedWhenItRose(Trend trend, Finding.Judged judged) {
    if (trend.slope() <= trend.threshold()) {
      return Optional.empty();
    }
    return notJudged(new Finding.RoseRarely(trend, judged));
  }

  private static Optional<Finding> notJudged(Finding.Reason reason) {
    return Optional.of(new Finding.Unavailable(Check.NATIVE, reason));
  }

  /**
   * Series after the baseline (index 0) and after each measured run, in arrays allocated once, and
   * for each run whether it was disturbed: the JIT compiled, the JVM malloc'ed or freed for itself
   * (NMT's block count moved), or a native thread started or ended, between the previous reading
   * and this one.
   */
  private static final class Series {
    final long[] heap;
    final long[] nativeBytes;
    final boolean[] disturbed;

    /** For each run, whether a Java thread ended around its heap reading. */
    final boolean[] threadEnded;

    private long lastStarted = -1;
    private int lastLive;
    private boolean endedCarry;

    /** The JVM's malloc'ed blocks and diagnostic commands run at the last reading. */
    private long lastBlocks = -1;

    private long lastCalls;

    /** Native threads at the last reading, and whether they changed during it. */
    private int lastThreads = -1;

    private boolean threadsCarry;

    /**
     * Blocks each diagnostic command leaves behind (JDK 17: 1, JDK 25: 0), so not the JVM's
     * activity; see {@link #learnOwnBlocks()}.
     */
    private long ownBlocks;

    private Optional<Settler.CompilerClock> clock = Optional.empty();

    Series(int size) {
      heap = new long[size];
      nativeBytes = new long[size];
      disturbed = new boolean[size];
      threadEnded = new boolean[size];
    }

    /**
     * Sets {@link #ownBlocks} to the median of {@value #OWN_BLOCKS_ESTIMATES} estimates, taken
     * after the warm-up. One estimate taken as the test began was wrong in about 1 repeated test of
     * 10 in a fresh JVM (JDK 17: 0 instead of 1, the JVM freeing while it was taken), and with that
     * every reading looked disturbed and the JIT's noise was judged: 4 of 4 misses of a 64 B/run
     * leak in 54 fresh JVMs. Of 72 estimates taken after the repetition, 69 were 1 (two 2s, one 0).
     */
    void learnOwnBlocks() {
      long[] estimates = new long[OWN_BLOCKS_ESTIMATES];
      for (int i = 0; i < estimates.length; i++) {
        estimates[i] = JVM_MALLOC.blocksPerCall();
      }
      Arrays.sort(estimates);
      ownBlocks = estimates[estimates.length / 2];
    }

    private static final int OWN_BLOCKS_ESTIMATES = 5;

    /**
     * A full GC, then heap used; for native memory, waits for the JIT to go idle first (its arenas
     * are malloc memory), then reads glibc in use less what the JVM malloc'ed for itself: NMT's
     * total (requested bytes plus its 16 B header per block) and {@link #CHUNK_OVERHEAD} per block,
     * read at one moment ({@link JvmMalloc#readWith}).
     */
    void read(Meters meters, boolean nativeMemory, int i) {
      long startedBefore = THREADS.getTotalStartedThreadCount();
      int liveBefore = THREADS.getThreadCount();
      Settler.collectGarbage();
      heap[i] = MEMORY.getHeapMemoryUsage().getUsed();
      long startedAfter = THREADS.getTotalStartedThreadCount();
      int liveAfter = THREADS.getThreadCount();
      // A thread that ended since the last reading was collected by this GC, what it held weakly
      // (its registration in the JDK's thread containers) by the next one: measured on JDK 25,
      // -176 B to -624 B one run after the run in which a thread ended. So both runs are flagged.
      boolean endedDuring =
          Allocations.threadEnded(startedBefore, liveBefore, startedAfter, liveAfter);
      boolean endedBefore =
          lastStarted >= 0
              && Allocations.threadEnded(lastStarted, lastLive, startedBefore, liveBefore);
      threadEnded[i] = endedBefore || endedDuring || endedCarry;
      endedCarry = endedBefore || endedDuring;
      lastStarted = startedAfter;
      lastLive = liveAfter;
      if (nativeMemory) {
        Optional<Settler.CompilerClock> now = Settler.awaitCompilerQuiet(meters);
        boolean compiled = !now.equals(clock);
        clock = now;
        int threadsBefore = nativeThreads(meters);
        JvmMalloc.Paired<Long> p = JVM_MALLOC.readWith(() -> inUse(meters));
        long[] jvm = p.jvm().orElseThrow();
        nativeBytes[i] = p.glibc() - jvm[0] - CHUNK_OVERHEAD * Math.max(0, jvm[1]);
        // The JVM malloc'ed or freed for itself since the last reading: compiler threads, the
        // GC, the arena pool's cleaner. NMT subtracts the bytes, not the allocator's caching of
        // them, so such a reading carries tens to thousands of bytes of noise (measured on JDK
        // 25: -122 B with 1 block freed, -3,350 B with 164 blocks malloc'ed, no compilation).
        compiled |= lastBlocks >= 0 && jvm[1] - lastBlocks != ownBlocks * (p.call() - lastCalls);
        lastBlocks = jvm[1];
        lastCalls = p.call();
        // A native thread started or ended: glibc mallocs each thread's cache on its first malloc
        // and frees it, with the chunks it holds, when the thread ends (~0.5 KB), which NMT does
        // not see. JDK 25 stops idle compiler threads and starts them again: -464 B in runs of a
        // 64 B/run leak, 2 misses in 20 fresh JVMs. A change during the reading may land in the
        // next run's delta too.
        int threadsAfter = nativeThreads(meters);
        boolean threadsMoved =
            lastThreads >= 0 && (threadsBefore != lastThreads || threadsAfter != threadsBefore);
        disturbed[i] = compiled || threadsMoved || threadsCarry;
        threadsCarry = threadsAfter != threadsBefore;
        lastThreads = threadsAfter;
      }
    }

    private static int nativeThreads(Meters meters) {
      return meters.probe().nativeThreadCount().toOptional().orElse(-1);
    }

    private static long inUse(Meters meters) {
      return meters.probe().malloc().orElseThrow().inUse();
    }

    /** The native trend over the {@code n} runs of {@code readings} up to run {@code last}. */
    static Trend nativeTrend(long[] readings, int last, int n, long threshold) {
      return new Trend(Check.NATIVE, Arrays.copyOfRange(readings, last - n, last + 1), threshold);
    }

    /** Of the runs up to {@code last}, those not {@code flagged}. */
    static int undisturbed(boolean[] flagged, int last) {
      return last - count(flagged, last, last);
    }

    /**
     * The trend over the deltas of the last {@code n} runs up to {@code last} that are not {@code
     * flagged}, as a series of readings that starts at 0; empty when fewer than {@value
     * Trend#WINDOW} such runs were measured.
     */
    static Optional<Trend> quietTrend(
        Check meter, long[] values, boolean[] flagged, int last, int n, long threshold) {
      long[] deltas = new long[n];
      int found = 0;
      for (int i = last; i >= 1 && found < n; i--) {
        if (!flagged[i]) {
          deltas[n - 1 - found++] = values[i] - values[i - 1];
        }
      }
      if (found < Trend.WINDOW) {
        return Optional.empty();
      }
      long[] readings = new long[found + 1];
      for (int k = 0; k < found; k++) {
        readings[k + 1] = readings[k] + deltas[n - found + k];
      }
      return Optional.of(new Trend(meter, readings, threshold));
    }

    /** Of the last {@code count} runs up to {@code last}, the {@code flagged} ones. */
    static int count(boolean[] flagged, int last, int count) {
      int n = 0;
      for (int i = Math.max(1, last - count + 1); i <= last; i++) {
        n += flagged[i] ? 1 : 0;
      }
      return n;
    }
  }

  /** The heap leak the trend rule finds in the first {@code n} runs, without the classes. */
  private static Optional<Finding.TrendGrew> heapLeak(Series r, int n, Settings settings) {
    Trend trend = new Trend(Check.HEAP, Arrays.copyOf(r.heap, n + 1), settings.heapThreshold());
    if (trend.leaks()) {
      return Optional.of(finding(trend, n, settings, Finding.EveryRun.HEAP));
    }
    // A thread that ended frees its objects in the next reading: a negative delta that has
    // nothing to do with the body. If the rule does not see a leak and threads ended, the runs
    // in which none did are judged (when there are at least 10 of them).
    int ended = Series.count(r.threadEnded, n, n);
    if (ended == 0) {
      return Optional.empty();
    }
    return Series.quietTrend(Check.HEAP, r.heap, r.threadEnded, n, n, settings.heapThreshold())
        .filter(Trend::leaks)
        .map(q -> finding(q, n, settings, new Finding.RunsNoThreadEnded(ended)));
  }

  private static Finding.TrendGrew finding(
      Trend trend, int runs, Settings settings, Finding.Judged judged) {
    return new Finding.TrendGrew(trend, runs, settings.warmup(), judged);
  }
}
