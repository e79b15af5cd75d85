package dev.noleaks.internal.judge;

import dev.noleaks.Check;
import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.measure.Diff;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.measure.ThreadOrigins;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.Reading;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The single-run decision rules. Discrete resources (descriptors, threads, buffers) are exact: what
 * is there after settling and was not there before is leaked. Heap and native memory fail above
 * their tolerance.
 */
public final class Rules {

  /** Classes listed under a heap finding. */
  public static final int TOP_CLASSES = 8;

  private Rules() {}

  /** The leaks in a diff, without the class histogram (cheap: used while settling). */
  public static List<Finding.Leak> leaks(Diff diff, Settings settings) {
    List<Finding.Leak> findings = new ArrayList<>();
    if (settings.checks(Check.DESCRIPTORS)) {
      descriptors(diff, settings.ignores()).ifPresent(findings::add);
    }
    if (settings.checks(Check.THREADS)) {
      threads(diff, settings.ignores()).ifPresent(findings::add);
    }
    if (settings.checks(Check.BUFFERS)) {
      findings.addAll(buffers(diff, settings.nativeTolerance()));
    }
    if (settings.checks(Check.HEAP)) {
      heap(diff, settings.heapTolerance()).ifPresent(findings::add);
    }
    if (settings.checks(Check.NATIVE)) {
      nativeMemory(diff, settings.nativeTolerance(), leftOutOfNative(diff, settings))
          .ifPresent(findings::add);
    }
    return findings;
  }

  /**
   * The native growth of a diff that is not native memory's to report: a direct buffer is malloc'ed
   * memory too, and when the buffer check reports it, it is not native growth a second time; nor is
   * what a library's pool took, in the JDK's buffers or beside them.
   */
  public static long leftOutOfNative(Diff diff, Settings settings) {
    long pooled = Math.max(0, diff.pooledDirectGrowth());
    return settings.checks(Check.BUFFERS)
        ? Math.max(0, diff.directBufferBytesGrowth()) + (inBuffers(diff) ? 0 : pooled)
        : pooled;
  }

  /** Meters a check needed but the platform could not read. */
  public static List<Finding.Unavailable> unavailable(Readings snapshot, Settings settings) {
    List<Finding.Unavailable> findings = new ArrayList<>();
    if (settings.checks(Check.NATIVE)) {
      snapshot
          .malloc()
          .unavailableReason()
          .ifPresent(r -> findings.add(unreadable(Check.NATIVE, r)));
    }
    if (settings.checks(Check.DESCRIPTORS)) {
      snapshot
          .descriptors()
          .unavailableReason()
          .ifPresent(r -> findings.add(unreadable(Check.DESCRIPTORS, r)));
    }
    if (settings.checks(Check.HEAP) && !snapshot.heapExact()) {
      findings.add(new Finding.Unavailable(Check.HEAP, new Finding.HeapIncludesGarbage(false)));
    }
    return findings;
  }

  /** A meter the platform could not read, in the probe's words. */
  public static Finding.Unavailable unreadable(Check check, String words) {
    return new Finding.Unavailable(check, new Finding.Unreadable(words));
  }

  /**
   * Descriptors the code left open that only the garbage collector closed: open after the test
   * before any GC, gone after it. The JDK's cleaners close a dropped stream's or socket's
   * descriptor, so the settled snapshot looks clean, but until a GC happens to run the descriptor
   * stays open, and a busy service runs out of them.
   */
  public static Optional<Finding.Leak> closedByGc(
      List<OpenDescriptor> openBeforeGc, Reading<List<Descriptor>> settled) {
    Set<String> stillOpen = new HashSet<>();
    settled.toOptional().orElse(List.of()).forEach(d -> stillOpen.add(Diff.key(d)));
    List<OpenDescriptor> released =
        openBeforeGc.stream().filter(d -> !stillOpen.contains(Diff.key(d.descriptor()))).toList();
    if (released.isEmpty() || !settled.isAvailable()) {
      return Optional.empty();
    }
    return Optional.of(new Finding.ClosedByGc(released));
  }

  public static Optional<Finding.Leak> descriptors(Diff diff, Ignores ignores) {
    List<Descriptor> leaked =
        Diff.opened(diff.before().descriptors(), diff.after().descriptors(), ignores);
    if (leaked.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Finding.DescriptorsLeaked(OpenDescriptor.of(leaked)));
  }

  /**
   * Threads the code started and never stopped that ended only when the garbage collector ran: in
   * an unbounded wait ({@code WAITING}, so nothing but another thread could end it) after the test
   * and before any GC, gone after it. A {@code Timer} never cancelled or an executor dropped
   * without {@code shutdown()} ends this way once a GC lets the JDK's cleaner or finalizer stop it;
   * until a GC happens to run, its threads keep the JVM from exiting and hold what their tasks
   * reference.
   */
  public static Optional<Finding.Leak> stoppedByGc(
      List<JavaThread> aliveBeforeGc,
      Map<Long, ThreadOrigins.Origin> madeAt,
      List<JavaThread> settled) {
    Set<Long> stillAlive = new HashSet<>();
    settled.forEach(t -> stillAlive.add(t.id()));
    List<JavaThread> stopped =
        aliveBeforeGc.stream()
            .filter(t -> !stillAlive.contains(t.id()) && waitsForWorkOnly(t))
            .toList();
    if (stopped.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Finding.StoppedByGc(stopped, madeAt));
  }

  /**
   * Whether a thread waits, without a bound, where only new work, a shutdown or the JDK's cleaner
   * for its unreachable owner ends it: an idle {@code Timer} thread or {@code ThreadPoolExecutor}
   * worker. A thread waiting elsewhere (joining another that is about to end, waiting for a
   * process) may end on its own at any moment; blamed on the GC because it ended just after 200 ms
   * of waiting, it failed a clean test 5 of 5 times.
   */
  private static boolean waitsForWorkOnly(JavaThread t) {
    if (t.state() != Thread.State.WAITING) {
      return false;
    }
    for (StackTraceElement e : t.stack()) {
      if (IDLE_WAITS.contains(e.getClassName() + "." + e.getMethodName())) {
        return true;
      }
    }
    return false;
  }

  /** Where an idle worker of the JDK waits for work: its frames, class and method. */
  private static final Set<String> IDLE_WAITS =
      Set.of("java.util.TimerThread.mainLoop", "java.util.concurrent.ThreadPoolExecutor.getTask");

  public static Optional<Finding.Leak> threads(Diff diff, Ignores ignores) {
    List<JavaThread> leaked =
        Diff.started(diff.before().threads(), diff.after().threads(), ignores);
    if (leaked.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Finding.ThreadsLeaked(leaked));
  }

  /**
   * More buffers than before is a leak, however small. Buffers that grew with no more of them (one
   * replaced by a larger one: the JDK's per-thread temporary buffer cache after a larger read, a
   * pool resizing) are native memory grown in place, judged by {@code sizeTolerance} (the native
   * tolerance): on jsoup's suite 6 tests failed for +114 KB to +508 KB of such growth. Direct
   * memory that a well-known library's pool took, all of it, is that pool's ({@link #pooled}).
   */
  public static List<Finding.Leak> buffers(Diff diff, long sizeTolerance) {
    List<Finding.Leak> findings = new ArrayList<>();
    if ((diff.directBufferGrowth() > 0 || diff.directBufferBytesGrowth() > sizeTolerance)
        && !pooled(diff)) {
      findings.add(
          new Finding.BuffersGrew(
              "direct", diff.before().directBuffers(), diff.after().directBuffers()));
    }
    if (diff.mappedBufferGrowth() > 0 || diff.mappedBufferBytesGrowth() > sizeTolerance) {
      findings.add(
          new Finding.BuffersGrew(
              "mapped", diff.before().mappedBuffers(), diff.after().mappedBuffers()));
    }
    return findings;
  }

  /**
   * Whether a well-known library's pool took all the direct memory that was added ({@link
   * dev.noleaks.internal.measure.Pools}): its chunks are the new buffers, kept for reuse, not a
   * leak of the code under test. Not when anything else grew beside it, however little.
   */
  private static boolean pooled(Diff diff) {
    return inBuffers(diff) && diff.directBufferBytesGrowth() <= diff.pooledDirectGrowth();
  }

  /**
   * Whether the JDK counted what a library's pool took among its direct buffers: the buffers grew
   * by the pool's growth, within a sixteenth of it. Netty on JDK 17 allocates its chunks as JDK
   * direct buffers; on JDK 25 it allocates them beside the JDK's count (measured: the pool +1 MB,
   * the JDK's direct buffers +0), so a buffer kept beside them is the whole of the buffers' growth,
   * and the pool's memory is native memory only.
   */
  private static boolean inBuffers(Diff diff) {
    long pooled = diff.pooledDirectGrowth();
    return pooled > 0 && diff.directBufferBytesGrowth() >= pooled - pooled / 16;
  }

  /**
   * Heap growth above the tolerance, less what a well-known library's pool took for its heap chunks
   * ({@link dev.noleaks.internal.measure.Pools}): kept for reuse, not a leak.
   */
  public static Optional<Finding.HeapGrew> heap(Diff diff, long tolerance) {
    long growth = diff.heapGrowth() - Math.max(0, diff.pooledHeapGrowth());
    // A baseline whose heap was never read (a @BeforeEach method failed) is not exact either.
    if (!diff.before().heapExact() || !diff.after().heapExact() || growth <= tolerance) {
      return Optional.empty();
    }
    return Optional.of(
        new Finding.HeapGrew(diff.before().heapUsed(), diff.after().heapUsed(), tolerance));
  }

  /**
   * Native growth above the tolerance, less {@code directBuffers}: the growth of direct buffers
   * reported by the buffer check (their memory is malloc'ed, and counted since NMT's {@code Other}
   * is no longer subtracted as the JVM's own).
   */
  public static Optional<Finding.Leak> nativeMemory(Diff diff, long tolerance, long directBuffers) {
    Optional<Long> growth = diff.nativeGrowth().toOptional();
    if (growth.isEmpty() || growth.get() - directBuffers <= tolerance) {
      return Optional.empty();
    }
    return Optional.of(
        new Finding.NativeGrew(
            growth.get() - directBuffers,
            directBuffers,
            tolerance,
            Finding.NativeGrew.Figures.of(diff.before()),
            Finding.NativeGrew.Figures.of(diff.after())));
  }
}
