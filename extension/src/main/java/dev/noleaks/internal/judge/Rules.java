package dev.noleaks.internal.judge;

import dev.noleaks.BufferPool;
import dev.noleaks.Check;
import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.config.Sizes;
import dev.noleaks.internal.measure.ClassHistogram;
import dev.noleaks.internal.measure.Diff;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.MallocStats;
import dev.noleaks.probe.Reading;
import dev.noleaks.probe.Sockets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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
  public static List<Finding> leaks(Diff diff, Settings settings) {
    List<Finding> findings = new ArrayList<>();
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
      // A direct buffer is malloc'ed memory too; when the buffer check reports it, it is not
      // native growth a second time.
      long direct =
          settings.checks(Check.BUFFERS) ? Math.max(0, diff.directBufferBytesGrowth()) : 0;
      nativeMemory(diff, settings.nativeTolerance(), direct).ifPresent(findings::add);
    }
    return findings;
  }

  /** Meters a check needed but the platform could not read. */
  public static List<Finding> unavailable(Readings snapshot, Settings settings) {
    List<Finding> findings = new ArrayList<>();
    if (settings.checks(Check.NATIVE)) {
      snapshot
          .malloc()
          .unavailableReason()
          .ifPresent(r -> findings.add(Finding.unavailable(Check.NATIVE, "native memory", r)));
    }
    if (settings.checks(Check.DESCRIPTORS)) {
      snapshot
          .descriptors()
          .unavailableReason()
          .ifPresent(r -> findings.add(Finding.unavailable(Check.DESCRIPTORS, "descriptors", r)));
    }
    if (settings.checks(Check.HEAP) && !snapshot.heapExact()) {
      findings.add(
          Finding.unavailable(
              Check.HEAP,
              "heap",
              "System.gc() is disabled (-XX:+DisableExplicitGC), so heap used includes garbage"));
    }
    return findings;
  }

  /**
   * Descriptors as messages show them: the target and its kind, and for a socket what it is ({@code
   * socket:[81234] (tcp 127.0.0.1:41234 → 127.0.0.1:8080 established)}) when the kernel's tables
   * say.
   */
  static List<String> described(List<Descriptor> descriptors) {
    Map<Long, String> sockets =
        descriptors.stream().anyMatch(d -> d.kind() == Descriptor.Kind.SOCKET)
            ? Sockets.table()
            : Map.of();
    return descriptors.stream()
        .map(
            d -> {
              String socket = sockets.get(Sockets.inode(d.target()));
              return socket == null ? d.toString() : d.target() + " (" + socket + ")";
            })
        .toList();
  }

  /**
   * Descriptors the code left open that only the garbage collector closed: open after the test
   * before any GC, gone after it. The JDK's cleaners close a dropped stream's or socket's
   * descriptor, so the settled snapshot looks clean, but until a GC happens to run the descriptor
   * stays open, and a busy service runs out of them.
   */
  public static Optional<Finding> closedByGc(
      List<Descriptor> openBeforeGc, Reading<List<Descriptor>> settled) {
    Set<String> stillOpen = new HashSet<>();
    settled.toOptional().orElse(List.of()).forEach(d -> stillOpen.add(Diff.key(d)));
    List<Descriptor> released =
        openBeforeGc.stream().filter(d -> !stillOpen.contains(Diff.key(d))).toList();
    if (released.isEmpty() || !settled.isAvailable()) {
      return Optional.empty();
    }
    return Optional.of(
        leftToTheGc(
            Check.DESCRIPTORS,
            Sizes.plural(released.size(), "file descriptor") + " never closed, released",
            described(released),
            "close it (try-with-resources) instead of leaving it to a GC that may not run"));
  }

  /** What the code left for the garbage collector to release: {@code "<what> only when …: …"}. */
  private static Finding leftToTheGc(Check check, String what, List<String> which, String advice) {
    return Finding.leak(
        check,
        what + " only when the garbage collector ran: " + String.join(", ", which),
        List.of(advice));
  }

  public static Optional<Finding> descriptors(Diff diff, Ignores ignores) {
    List<Descriptor> leaked =
        Diff.opened(diff.before().descriptors(), diff.after().descriptors(), ignores);
    if (leaked.isEmpty()) {
      return Optional.empty();
    }
    String list = String.join(", ", described(leaked));
    return Optional.of(
        Finding.leak(
            Check.DESCRIPTORS,
            Sizes.plural(leaked.size(), "file descriptor") + " leaked: " + list,
            List.of()));
  }

  /**
   * Threads the code started and never stopped that ended only when the garbage collector ran: in
   * an unbounded wait ({@code WAITING}, so nothing but another thread could end it) after the test
   * and before any GC, gone after it. A {@code Timer} never cancelled or an executor dropped
   * without {@code shutdown()} ends this way once a GC lets the JDK's cleaner or finalizer stop it;
   * until a GC happens to run, its threads keep the JVM from exiting and hold what their tasks
   * reference.
   */
  public static Optional<Finding> stoppedByGc(
      List<JavaThread> aliveBeforeGc, List<JavaThread> settled) {
    Set<Long> stillAlive = new HashSet<>();
    settled.forEach(t -> stillAlive.add(t.id()));
    List<JavaThread> stopped =
        aliveBeforeGc.stream()
            .filter(t -> !stillAlive.contains(t.id()) && waitsForWorkOnly(t))
            .toList();
    if (stopped.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        leftToTheGc(
            Check.THREADS,
            Sizes.plural(stopped.size(), "thread") + " never stopped, ended",
            stopped.stream().map(Rules::named).toList(),
            "stop it (Timer.cancel(), ExecutorService.shutdown() and awaitTermination(), close())"
                + " instead of leaving it to a GC that may not run: until one does, it keeps"
                + " running, holds what its tasks reference and, unless a daemon, keeps the JVM"
                + " from exiting"));
  }

  /** A thread by name, with its class when it is not a plain {@code Thread}. */
  private static String named(JavaThread t) {
    return "\""
        + t.name()
        + "\""
        + (t.type().equals(Thread.class.getName()) ? "" : " (" + t.type() + ")");
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

  public static Optional<Finding> threads(Diff diff, Ignores ignores) {
    List<JavaThread> leaked =
        Diff.started(diff.before().threads(), diff.after().threads(), ignores);
    if (leaked.isEmpty()) {
      return Optional.empty();
    }
    List<String> details = new ArrayList<>();
    for (JavaThread t : leaked) {
      details.add(
          "\""
              + t.name()
              + "\" "
              + (t.daemon() ? "daemon " : "")
              + t.state()
              + (t.type().equals(Thread.class.getName()) ? "" : " (" + t.type() + ")")
              + ownFrame(t.stack()).map(f -> " in " + frame(f)).orElse(""));
      for (StackTraceElement frame : t.stack()) {
        details.add("    at " + frame(frame));
      }
    }
    String names =
        leaked.stream().map(t -> "\"" + t.name() + "\"").collect(Collectors.joining(", "));
    return Optional.of(
        Finding.leak(
            Check.THREADS, Sizes.plural(leaked.size(), "thread") + " leaked: " + names, details));
  }

  /**
   * More buffers than before is a leak, however small. Buffers that grew with no more of them (one
   * replaced by a larger one: the JDK's per-thread temporary buffer cache after a larger read, a
   * pool resizing) are native memory grown in place, judged by {@code sizeTolerance} (the native
   * tolerance): on jsoup's suite 6 tests failed for +114 KB to +508 KB of such growth.
   */
  public static List<Finding> buffers(Diff diff, long sizeTolerance) {
    List<Finding> findings = new ArrayList<>();
    if (diff.directBufferGrowth() > 0 || diff.directBufferBytesGrowth() > sizeTolerance) {
      findings.add(
          bufferFinding("direct", diff.before().directBuffers(), diff.after().directBuffers()));
    }
    if (diff.mappedBufferGrowth() > 0 || diff.mappedBufferBytesGrowth() > sizeTolerance) {
      findings.add(
          bufferFinding("mapped", diff.before().mappedBuffers(), diff.after().mappedBuffers()));
    }
    return findings;
  }

  private static Finding bufferFinding(String kind, BufferPool before, BufferPool after) {
    long count = after.count() - before.count();
    String growth = Sizes.signed(after.bytes() - before.bytes());
    return Finding.leak(
        Check.BUFFERS,
        (count > 0
                ? Sizes.plural(count, kind + " buffer") + " leaked (" + growth + ")"
                : kind + " buffers grew by " + growth + " with no more of them")
            + ": "
            + Sizes.plural(before.count(), "buffer")
            + " of "
            + Sizes.format(before.bytes())
            + " before, "
            + after.count()
            + " of "
            + Sizes.format(after.bytes())
            + " after",
        List.of());
  }

  public static Optional<Finding> heap(Diff diff, long tolerance) {
    long growth = diff.heapGrowth();
    // A baseline whose heap was never read (a @BeforeEach method failed) is not exact either.
    if (!diff.before().heapExact() || !diff.after().heapExact() || growth <= tolerance) {
      return Optional.empty();
    }
    return Optional.of(
        Finding.leak(
            Check.HEAP,
            "heap grew " + Sizes.format(growth),
            List.of(
                "heap used after a full GC: "
                    + Sizes.count(diff.before().heapUsed())
                    + " B before, "
                    + Sizes.count(diff.after().heapUsed())
                    + " B after (tolerance "
                    + Sizes.format(tolerance)
                    + ")")));
  }

  /**
   * Native growth above the tolerance, less {@code directBuffers}: the growth of direct buffers
   * reported by the buffer check (their memory is malloc'ed, and counted since NMT's {@code Other}
   * is no longer subtracted as the JVM's own).
   */
  public static Optional<Finding> nativeMemory(Diff diff, long tolerance, long directBuffers) {
    Optional<Long> growth = diff.nativeGrowth().toOptional();
    if (growth.isEmpty() || growth.get() - directBuffers <= tolerance) {
      return Optional.empty();
    }
    return Optional.of(
        Finding.leak(
            Check.NATIVE,
            "native memory grew "
                + Sizes.format(growth.get() - directBuffers)
                + (directBuffers > 0
                    ? " besides " + Sizes.format(directBuffers) + " of direct buffers"
                    : "")
                + " (tolerance "
                + Sizes.format(tolerance)
                + "): "
                + (diff.after().jvmMalloc().isAvailable()
                    ? "malloc in use less the JVM's own "
                    : "malloc in use ")
                + Sizes.count(diff.before().nativeInUse().orElseThrow())
                + " B before, "
                + Sizes.count(diff.after().nativeInUse().orElseThrow())
                + " B after",
            List.of(nativeDetails(diff.before(), diff.after()))));
  }

  /**
   * The readings behind a native finding: glibc's in-use figure, the JVM's own malloc and the
   * native threads, before → after. A JVM busy for itself (JIT compiler threads, whose glibc caches
   * NMT does not see) shows in the last two.
   */
  private static String nativeDetails(Readings before, Readings after) {
    StringBuilder b = new StringBuilder("glibc in use ");
    b.append(
        fromTo(before.malloc().map(MallocStats::inUse), after.malloc().map(MallocStats::inUse)));
    if (after.jvmMalloc().isAvailable() && before.jvmMalloc().isAvailable()) {
      b.append(", the JVM's own (NMT) ").append(fromTo(before.jvmMalloc(), after.jvmMalloc()));
    }
    b.append(", native threads ")
        .append(before.nativeThreadCount().toOptional().map(String::valueOf).orElse("?"))
        .append(" → ")
        .append(after.nativeThreadCount().toOptional().map(String::valueOf).orElse("?"));
    return b.toString();
  }

  private static String fromTo(Reading<Long> before, Reading<Long> after) {
    return before.toOptional().map(Sizes::count).orElse("?")
        + " → "
        + after.toOptional().map(Sizes::count).orElse("?")
        + " B";
  }

  /** Adds the classes that grew to a heap finding. */
  public static Finding withClasses(Finding heap, List<ClassHistogram.Growth> grown) {
    if (grown.isEmpty()) {
      return heap;
    }
    String classes =
        grown.stream().map(ClassHistogram.Growth::describe).collect(Collectors.joining(", "));
    return new Finding(heap.check(), true, heap.summary() + ": " + classes, heap.details());
  }

  /**
   * The top frame that is not the JDK's: where the thread's own code waits or runs. The frames
   * above it are parking and queue internals (5 to 7 of them for a thread blocked on a queue).
   */
  static Optional<StackTraceElement> ownFrame(List<StackTraceElement> stack) {
    return stack.stream()
        .filter(
            e -> {
              String c = e.getClassName();
              return !(c.startsWith("java.")
                  || c.startsWith("javax.")
                  || c.startsWith("jdk.")
                  || c.startsWith("sun.")
                  || c.startsWith("com.sun."));
            })
        .findFirst();
  }

  /**
   * A stack frame without the module and loader prefixes: {@code
   * java.lang.Thread.run(Thread.java:840)}.
   */
  public static String frame(StackTraceElement e) {
    String location =
        e.isNativeMethod()
            ? "Native Method"
            : e.getFileName() == null
                ? "Unknown Source"
                : e.getLineNumber() >= 0
                    ? e.getFileName() + ":" + e.getLineNumber()
                    : e.getFileName();
    return e.getClassName() + "." + e.getMethodName() + "(" + location + ")";
  }
}
