package dev.noleaks.internal.judge;

import dev.noleaks.BufferPool;
import dev.noleaks.Check;
import dev.noleaks.JavaThread;
import dev.noleaks.internal.measure.ClassHistogram;
import dev.noleaks.internal.measure.HeapPaths;
import dev.noleaks.internal.measure.NativeSites;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.measure.ThreadOrigins;
import dev.noleaks.probe.MallocStats;
import dev.noleaks.probe.Reading;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One thing a check found, as data: a {@link Leak} (one record per kind) or a meter it could not
 * measure ({@link Unavailable}). The text people read is made from it in one place, the report
 * stage's {@code Messages}, so the failure, the report entry and the log say the same thing.
 */
public sealed interface Finding permits Finding.Leak, Finding.Unavailable {

  /** The check that found it. */
  Check check();

  /** What the code leaked, or left for the garbage collector to release: it fails the check. */
  sealed interface Leak extends Finding
      permits DescriptorsLeaked,
          ThreadsLeaked,
          BuffersGrew,
          HeapGrew,
          NativeGrew,
          ClosedByGc,
          StoppedByGc,
          StillThere,
          TrendGrew {}

  /** A meter the check needed but could not read, or a rule that could not judge its readings. */
  record Unavailable(Check check, Reason reason) implements Finding {}

  /** Why a check was not measured. */
  sealed interface Reason
      permits Unreadable,
          HeapIncludesGarbage,
          Disturbed,
          RoseRarely,
          TooFewUndisturbed,
          WithoutNmt {}

  /** The platform could not read the meter; {@code words} are the probe's own. */
  record Unreadable(String words) implements Reason {}

  /**
   * Heap used was not read right after a full GC, so it includes garbage: {@code System.gc()} is
   * disabled, or ({@code snapshot}) a snapshot was taken without a GC.
   */
  record HeapIncludesGarbage(boolean snapshot) implements Reason {}

  /** {@code neighbours} other tests ran beside the check under JUnit's parallel execution. */
  record Disturbed(int neighbours) implements Reason {}

  /** A native trend's slope is above the threshold, but too few of its judged runs grew. */
  record RoseRarely(Trend trend, Judged judged) implements Reason {}

  /** Too few of a native trend's runs were undisturbed by the JIT and the JVM to judge it. */
  record TooFewUndisturbed(Trend trend, int runs, int undisturbed) implements Reason {}

  /**
   * A native trend over repeated runs needs Native Memory Tracking: without it the JVM's own malloc
   * moves the figure by more per run than the bytes a leak keeps.
   */
  record WithoutNmt() implements Reason {}

  /** Descriptors open after the code and not before. */
  record DescriptorsLeaked(List<OpenDescriptor> descriptors) implements Leak {
    public DescriptorsLeaked {
      descriptors = List.copyOf(descriptors);
    }

    @Override
    public Check check() {
      return Check.DESCRIPTORS;
    }
  }

  /**
   * Threads alive after the code and not before, as they were when judged (stacks included).
   *
   * @param madeAt where the code made a thread, by thread id, where that is known
   */
  record ThreadsLeaked(List<JavaThread> threads, Map<Long, ThreadOrigins.Origin> madeAt)
      implements Leak {
    public ThreadsLeaked {
      threads = List.copyOf(threads);
      madeAt = Map.copyOf(madeAt);
    }

    public ThreadsLeaked(List<JavaThread> threads) {
      this(threads, Map.of());
    }

    @Override
    public Check check() {
      return Check.THREADS;
    }
  }

  /**
   * A buffer pool with more buffers than before, or whose buffers grew above the tolerance.
   *
   * @param pool the JDK's name of the pool: {@code direct} or {@code mapped}
   * @param heldBy what holds the new buffers, when a heap dump was read
   */
  record BuffersGrew(
      String pool, BufferPool before, BufferPool after, Optional<HeapPaths.Outcome> heldBy)
      implements Leak {
    public BuffersGrew(String pool, BufferPool before, BufferPool after) {
      this(pool, before, after, Optional.empty());
    }

    /** This finding saying what holds the buffers, from a heap dump. */
    public BuffersGrew withHeldBy(HeapPaths.Outcome outcome) {
      return new BuffersGrew(pool, before, after, Optional.of(outcome));
    }

    /** How many more buffers there are (0 or less: the same buffers grew). */
    public long more() {
      return after.count() - before.count();
    }

    @Override
    public Check check() {
      return Check.BUFFERS;
    }
  }

  /**
   * Heap used after a full GC grew above the tolerance.
   *
   * @param before heap used before, bytes
   * @param after heap used after, bytes
   * @param classes the classes that grew most, when a class histogram could tell
   */
  record HeapGrew(
      long before,
      long after,
      long tolerance,
      List<ClassHistogram.Growth> classes,
      Optional<HeapPaths.Outcome> heldBy)
      implements Leak {
    public HeapGrew {
      classes = List.copyOf(classes);
    }

    public HeapGrew(long before, long after, long tolerance) {
      this(before, after, tolerance, List.of(), Optional.empty());
    }

    public long growth() {
      return after - before;
    }

    /** This finding naming the classes that grew. */
    public HeapGrew withClasses(List<ClassHistogram.Growth> grown) {
      return new HeapGrew(before, after, tolerance, grown, heldBy);
    }

    /** This finding saying what holds the growth, from a heap dump. */
    public HeapGrew withHeldBy(HeapPaths.Outcome outcome) {
      return new HeapGrew(before, after, tolerance, classes, Optional.of(outcome));
    }

    @Override
    public Check check() {
      return Check.HEAP;
    }
  }

  /**
   * Native memory in use grew above the tolerance.
   *
   * @param growth bytes grown, less {@code directBuffers}
   * @param directBuffers growth of direct buffers the buffer check reports (their memory is
   *     malloc'ed too), 0 when it does not
   * @param sites where the bytes a recorded run left unfreed were allocated, when a run was
   *     recorded or could not be
   * @param byHooks whether {@code growth} was counted by the allocation hooks (without Native
   *     Memory Tracking: the blocks a second run left that outlasted a third), not from glibc's
   *     figures {@code before} and {@code after}
   */
  record NativeGrew(
      long growth,
      long directBuffers,
      long tolerance,
      Figures before,
      Figures after,
      Optional<NativeSites.Explained> sites,
      boolean byHooks)
      implements Leak {

    public NativeGrew(
        long growth, long directBuffers, long tolerance, Figures before, Figures after) {
      this(growth, directBuffers, tolerance, before, after, Optional.empty(), false);
    }

    /**
     * The blocks a second run allocated at the code's sites and left unfreed through a third run,
     * as the allocation hooks saw them: the finding of a check judged without Native Memory
     * Tracking, glibc's figures shown beside it.
     *
     * @param counted their bytes, less what the native rule leaves out (a library's pool, direct
     *     buffers the buffer check reports)
     */
    public static NativeGrew outlasting(
        NativeSites.Recorded blocks, long counted, long tolerance, Figures before, Figures after) {
      return new NativeGrew(
          counted,
          0,
          tolerance,
          before,
          after,
          Optional.of(new NativeSites.Explained(blocks, counted)),
          true);
    }

    /** This finding saying where its unfreed bytes were allocated. */
    public NativeGrew withSites(NativeSites.Explained explained) {
      return new NativeGrew(
          growth, directBuffers, tolerance, before, after, Optional.of(explained), byHooks);
    }

    /**
     * The native readings of one snapshot a message shows.
     *
     * @param inUse what the rule compares: glibc's in use, less the JVM's own when {@code jvmOwn}
     *     was read
     * @param glibcInUse glibc's in-use figure
     * @param jvmOwn what the JVM malloc'ed for itself (Native Memory Tracking)
     * @param nativeThreads the process's native threads
     */
    public record Figures(
        long inUse,
        Reading<Long> glibcInUse,
        Reading<Long> jvmOwn,
        Reading<Integer> nativeThreads) {

      /** The figures of {@code r}, whose native memory in use must have been read. */
      public static Figures of(Readings r) {
        return new Figures(
            r.nativeInUse().orElseThrow(),
            r.malloc().map(MallocStats::inUse),
            r.jvmMalloc(),
            r.nativeThreadCount());
      }
    }

    @Override
    public Check check() {
      return Check.NATIVE;
    }
  }

  /**
   * Descriptors the code never closed that only the garbage collector closed (the JDK's cleaners).
   */
  record ClosedByGc(List<OpenDescriptor> descriptors) implements Leak {
    public ClosedByGc {
      descriptors = List.copyOf(descriptors);
    }

    @Override
    public Check check() {
      return Check.DESCRIPTORS;
    }
  }

  /** Threads the code never stopped that ended only when the garbage collector ran. */
  record StoppedByGc(List<JavaThread> threads, Map<Long, ThreadOrigins.Origin> madeAt)
      implements Leak {
    public StoppedByGc {
      threads = List.copyOf(threads);
      madeAt = Map.copyOf(madeAt);
    }

    @Override
    public Check check() {
      return Check.THREADS;
    }
  }

  /**
   * What looked on its way out and was still there after the linger.
   *
   * @param remains what was still there
   * @param linger how long it was waited for
   */
  record StillThere(Left.Described remains, Duration linger) implements Leak {
    @Override
    public Check check() {
      return remains.threads().isEmpty() ? Check.DESCRIPTORS : Check.THREADS;
    }
  }

  /**
   * A repeated check's trend that leaks.
   *
   * @param trend the trend judged
   * @param runs measured runs
   * @param warmup warm-up runs before them
   * @param judged which of the runs the trend is made of
   * @param classes the classes that grew in every run (the heap's), when histograms could tell
   * @param sites where the bytes of more runs, recorded, were allocated (native memory's)
   */
  record TrendGrew(
      Trend trend,
      int runs,
      int warmup,
      Judged judged,
      List<ClassHistogram.Growth> classes,
      Optional<HeapPaths.Outcome> heldBy,
      Optional<NativeSites.Explained> sites)
      implements Leak {
    public TrendGrew {
      classes = List.copyOf(classes);
    }

    public TrendGrew(Trend trend, int runs, int warmup, Judged judged) {
      this(trend, runs, warmup, judged, List.of(), Optional.empty(), Optional.empty());
    }

    /** This finding naming the classes that grew. */
    public TrendGrew withClasses(List<ClassHistogram.Growth> grown) {
      return new TrendGrew(trend, runs, warmup, judged, grown, heldBy, sites);
    }

    /** This finding saying what holds the growth, from a heap dump. */
    public TrendGrew withHeldBy(HeapPaths.Outcome outcome) {
      return new TrendGrew(trend, runs, warmup, judged, classes, Optional.of(outcome), sites);
    }

    /** This finding saying where the unfreed bytes of recorded runs were allocated. */
    public TrendGrew withSites(NativeSites.Explained explained) {
      return new TrendGrew(trend, runs, warmup, judged, classes, heldBy, Optional.of(explained));
    }

    @Override
    public Check check() {
      return trend.check();
    }
  }

  /** Which runs of a repetition a trend is made of. */
  sealed interface Judged permits EveryRun, UndisturbedRuns, RunsNoThreadEnded {}

  /**
   * Every measured run, its readings as they were (for native memory: none was disturbed).
   *
   * @param lessJvmOwn native readings were less what the JVM malloc'ed for itself (false for the
   *     heap)
   */
  record EveryRun(boolean lessJvmOwn) implements Judged {
    /** The heap's: nothing subtracted. */
    public static final EveryRun HEAP = new EveryRun(false);

    /** Native memory's: less the JVM's own malloc. */
    public static final EveryRun NATIVE = new EveryRun(true);
  }

  /**
   * Native memory: only the runs during which the JIT did not compile nor the JVM malloc for
   * itself.
   *
   * @param disturbed of the last {@code window} runs, those during which it did
   */
  record UndisturbedRuns(int disturbed, int window) implements Judged {}

  /**
   * The heap: only the runs during which no thread ended (its objects freed show as a fall).
   *
   * @param ended runs during which a thread ended
   */
  record RunsNoThreadEnded(int ended) implements Judged {}
}
