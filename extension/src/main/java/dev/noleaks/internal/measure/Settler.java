package dev.noleaks.internal.measure;

import static org.awaitility.Awaitility.await;

import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.probe.CompilerActivity;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.MallocStats;
import java.lang.management.CompilationMXBean;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Brings the process to rest before a snapshot: a full GC, then polling until asynchronous releases
 * are done. Direct buffers are freed 0–35 ms after {@code System.gc()} returns, JNA {@code Memory}
 * by JNA's cleaner thread, and a thread whose task ended still takes a moment to exit, so a fixed
 * sleep is wrong both ways: polling stops as soon as nothing is left over.
 */
public final class Settler {

  static final Duration POLL = Duration.ofMillis(20);

  /** Polls back off to this, so a long wait for native memory does not GC 50 times a second. */
  static final Duration POLL_MAX = Duration.ofMillis(250);

  /**
   * How long leftovers must stay unchanged before they count as leaked rather than still being
   * released: well above the 35 ms a direct buffer takes to be freed after GC.
   */
  static final Duration QUIET = Duration.ofMillis(200);

  /** Upper bound of the wait for the JIT compiler to go idle before a native reading. */
  static final Duration COMPILER_QUIET_MAX = Duration.ofSeconds(2);

  /** How long the compiler must have been idle: a queued method starts compiling within ~1 ms. */
  static final Duration COMPILER_QUIET = Duration.ofMillis(20);

  static final Duration COMPILER_POLL = Duration.ofMillis(5);

  private Settler() {}

  /**
   * A full GC, then waits (bounded) until the reference handler has processed this cycle's
   * references: a sentinel weakly reachable object is enqueued.
   *
   * <p>The queue is polled, not waited on: on JDK 17 {@code ReferenceQueue.remove(timeout)} waits
   * on a monitor, which inflates a new malloc'd ObjectMonitor per call that the JVM frees only when
   * it deflates idle monitors (at the latest every 60 s). Measured with NMT: "Object Monitors" +240
   * B per reading, a steady native "leak" of our own in repeated mode.
   */
  public static void collectGarbage() {
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
    System.gc();
    try {
      await("reference processing")
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .atMost(Duration.ofMillis(100))
          .until(() -> queue.poll() != null);
    } catch (ConditionTimeoutException e) {
      // Reference processing is late; settling polls again where it matters.
    }
    sentinel.clear();
  }

  /**
   * The descriptors the code opened and has not closed, read before any GC, once they are closed or
   * have stopped changing ({@link #lingering}).
   */
  public static List<Descriptor> openWithoutGc(
      Meters meters, Readings before, Ignores ignores, Duration timeout) {
    return lingering(
        () -> Diff.opened(before.descriptors(), meters.probe().descriptors(), ignores),
        Diff::key,
        timeout);
  }

  /**
   * The threads the code started that are still alive, read before any GC, once they have ended or
   * stopped changing ({@link #lingering}).
   */
  public static List<JavaThread> aliveWithoutGc(
      Readings before, Ignores ignores, Duration timeout) {
    List<JavaThread> alive =
        lingering(
            () -> Diff.started(before.threads(), Meters.threads(false), ignores),
            t -> t.id() + "\0" + t.state(),
            timeout);
    if (alive.isEmpty()) {
      return alive;
    }
    // With their stacks, to tell where they wait (one safepoint, only when some are left).
    java.util.Set<Long> ids = new java.util.HashSet<>();
    alive.forEach(t -> ids.add(t.id()));
    return Meters.threads(true).stream().filter(t -> ids.contains(t.id())).toList();
  }

  /**
   * What the code left behind, read without a GC; if there is some, polled without a GC until it is
   * gone or has stayed the same (by {@code identity}) for {@link #QUIET}, so that a thread closing
   * its socket or ending a moment after the test is not taken for code that left it to the GC. A
   * clean test has none and pays one reading.
   */
  private static <T> List<T> lingering(
      Supplier<List<T>> leftovers, Function<T, Object> identity, Duration timeout) {
    return lingering(leftovers, identity, timeout, POLL, QUIET);
  }

  /** {@link #lingering}, polled every {@code poll} until unchanged for {@code quiet}. */
  private static <T> List<T> lingering(
      Supplier<List<T>> leftovers,
      Function<T, Object> identity,
      Duration timeout,
      Duration poll,
      Duration quiet) {
    List<List<T>> left = new ArrayList<>(1);
    left.add(leftovers.get());
    if (left.get(0).isEmpty() || timeout.isZero()) {
      return left.get(0);
    }
    long[] quietSince = {System.nanoTime()};
    try {
      await("leftovers going away")
          .pollInSameThread()
          .pollDelay(poll)
          .pollInterval(poll)
          .atMost(timeout)
          .until(
              () -> {
                List<T> now = leftovers.get();
                if (!ids(now, identity).equals(ids(left.get(0), identity))) {
                  left.set(0, now);
                  quietSince[0] = System.nanoTime();
                }
                return now.isEmpty() || System.nanoTime() - quietSince[0] >= quiet.toNanos();
              });
    } catch (ConditionTimeoutException e) {
      // Still changing at the bound: judge what is left now.
    }
    return left.get(0);
  }

  private static <T> List<Object> ids(List<T> items, Function<T, Object> identity) {
    return items.stream().map(identity).toList();
  }

  /**
   * A settled snapshot with no baseline to compare with: done when buffer pools, descriptors and
   * threads read the same in two polls in a row, or have been unchanged for {@link #QUIET}.
   */
  public static Readings settleStable(Meters meters, Duration timeout) {
    Fingerprint[] previous = {null};
    return settleUntil(
        meters,
        timeout,
        !meters.nativeExcludesJvm(),
        s -> {
          Fingerprint now = meters.fingerprint();
          boolean same = now.equals(previous[0]);
          previous[0] = now;
          return same ? State.CLEAN : State.LEFTOVERS;
        });
  }

  /** How a candidate snapshot looks to the caller while settling. */
  public enum State {
    /** Nothing left over: stop. */
    CLEAN,
    /** Something left over: stop once it has been unchanged for {@link #QUIET}. */
    LEFTOVERS,
    /**
     * Native memory above its tolerance: keep polling until it drops or the timeout passes. HotSpot
     * keeps the JIT's freed arena chunks in a pool that a periodic task hands back to malloc only
     * every 5 s, so native memory can stay MBs high for up to 5 s after a compilation (measured:
     * +470 KB falling to +50 KB about 4 s after a loop was compiled).
     */
    DRIFTING
  }

  /**
   * Settles and returns a snapshot whose state is {@link State#CLEAN}, or the last one once
   * leftovers have been unchanged for {@link #QUIET} (and none is {@link State#DRIFTING}) or {@code
   * timeout} has passed.
   */
  public static Readings settleUntil(
      Meters meters, Duration timeout, boolean quietCompiler, Function<Readings, State> state) {
    return settleUntil(meters, () -> read(meters, quietCompiler), timeout, state);
  }

  /**
   * {@link #settleUntil(Meters, Duration, boolean, Function)}, each snapshot taken by {@code read}.
   */
  private static Readings settleUntil(
      Meters meters, Supplier<Readings> read, Duration timeout, Function<Readings, State> state) {
    Readings[] last = {read.get()};
    if (state.apply(last[0]) == State.CLEAN || timeout.isZero()) {
      return last[0];
    }
    Fingerprint[] seen = {meters.fingerprint()};
    long[] quietSince = {System.nanoTime()};
    try {
      await("settling")
          .pollInSameThread()
          .pollDelay(POLL)
          .pollInterval(
              (count, previous) -> count <= 1 ? POLL : min(previous.multipliedBy(2), POLL_MAX))
          .atMost(timeout)
          .until(
              () -> {
                last[0] = read.get();
                State now = state.apply(last[0]);
                if (now == State.CLEAN) {
                  return true;
                }
                Fingerprint print = meters.fingerprint();
                if (!print.equals(seen[0])) {
                  seen[0] = print;
                  quietSince[0] = System.nanoTime();
                }
                return now == State.LEFTOVERS
                    && System.nanoTime() - quietSince[0] >= QUIET.toNanos();
              });
    } catch (ConditionTimeoutException e) {
      // Still changing at the bound: judge what is there now.
    }
    return last[0];
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** A full GC, a wait for the JIT to go idle when {@code quietCompiler}, then every meter. */
  static Readings read(Meters meters, boolean quietCompiler) {
    collectGarbage();
    if (quietCompiler) {
      awaitCompilerQuiet(meters);
    }
    return meters.capture(true);
  }

  /**
   * Waits, bounded, until the JIT compiler is idle: neither its threads' CPU time ({@link
   * CompilerActivity}) nor the total compilation time moved for {@link #COMPILER_QUIET}. C2
   * allocates its arenas with malloc, so native readings swing by KB to MB while it compiles. The
   * total compilation time alone advances only when a compilation finishes, so a long C2 compile
   * looked quiet; the threads' CPU clocks move while they work.
   *
   * @return the compiler's clocks when it went quiet (or at the bound): two equal results mean the
   *     JIT compiled nothing in between; empty when the JVM shows neither clock
   */
  public static Optional<CompilerClock> awaitCompilerQuiet(Meters meters) {
    Optional<CompilationMXBean> jit = meters.compilation();
    Optional<CompilerActivity> activity = meters.compilerActivity();
    if (jit.isEmpty() && activity.isEmpty()) {
      return Optional.empty();
    }
    long[] previous = {-1, -1};
    long[] quietSince = {System.nanoTime()};
    try {
      await("compiler quiet")
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(COMPILER_POLL)
          .atMost(COMPILER_QUIET_MAX)
          .until(
              () -> {
                long time = jit.map(CompilationMXBean::getTotalCompilationTime).orElse(0L);
                long cpu = activity.flatMap(CompilerActivity::cpuNanos).orElse(0L);
                long now = System.nanoTime();
                if (time != previous[0] || cpu != previous[1]) {
                  previous[0] = time;
                  previous[1] = cpu;
                  quietSince[0] = now;
                  return false;
                }
                return now - quietSince[0] >= COMPILER_QUIET.toNanos();
              });
    } catch (ConditionTimeoutException e) {
      // The JIT is still busy at the bound; the reading may carry its noise.
    }
    return Optional.of(new CompilerClock(previous[0], previous[1]));
  }

  /**
   * The JIT's total compilation time (ms) and its threads' CPU time (ns) at one moment.
   *
   * @param compilationMillis {@code CompilationMXBean.getTotalCompilationTime()}, 0 when absent
   * @param compilerCpuNanos {@link CompilerActivity#cpuNanos()}, 0 when absent
   */
  public record CompilerClock(long compilationMillis, long compilerCpuNanos) {}

  /** The bound of {@link #awaitCleaners}: cleaners run a few ms after the GC's references. */
  static final Duration CLEANERS_MAX = Duration.ofMillis(100);

  /** How long they must stay unchanged: the cleaner thread runs within a ms or two of the GC. */
  static final Duration CLEANERS_QUIET = Duration.ofMillis(20);

  /** How often {@link #awaitCleaners} reads. */
  static final Duration CLEANERS_POLL = Duration.ofMillis(5);

  /**
   * After a GC, waits (bounded by {@link #CLEANERS_MAX}) until the descriptors and threads that
   * were there before it are gone or have not changed for {@link #CLEANERS_QUIET}: the JDK's
   * cleaners close a dropped stream's descriptor, and stop a dropped pool, just after the GC.
   */
  public static void awaitCleaners(Meters meters, List<Descriptor> open, List<JavaThread> alive) {
    java.util.Set<String> keys = new java.util.HashSet<>();
    open.forEach(d -> keys.add(Diff.key(d)));
    java.util.Set<Long> ids = new java.util.HashSet<>();
    alive.forEach(t -> ids.add(t.id()));
    Supplier<List<Object>> stillThere =
        () -> {
          List<Object> now = new ArrayList<>();
          meters.probe().descriptors().toOptional().orElse(List.of()).stream()
              .map(Diff::key)
              .filter(keys::contains)
              .forEach(now::add);
          Meters.threads(false).stream()
              .map(JavaThread::id)
              .filter(ids::contains)
              .forEach(now::add);
          return now;
        };
    lingering(stillThere, x -> x, CLEANERS_MAX, CLEANERS_POLL, CLEANERS_QUIET);
  }

  /**
   * After a GC, waits (bounded by {@link #CLEANERS_MAX}) until glibc's in-use figure has not
   * changed for {@link #CLEANERS_QUIET}: the JDK's cleaners free what a dropped {@code Deflater} or
   * JNA {@code Memory} held just after the GC, and the allocation hooks, which judge native memory
   * without NMT, must see those frees before their recording ends.
   */
  public static void awaitNativeCleaners(Meters meters) {
    lingering(
        () -> List.of(meters.probe().malloc().map(MallocStats::inUse).toOptional().orElse(0L)),
        x -> x,
        CLEANERS_MAX,
        CLEANERS_POLL,
        CLEANERS_QUIET);
  }

  /**
   * Runs the settling loop's every path once (a poll, a changing interval, the timeout) so that
   * Awaitility's classes are loaded before any baseline, and the JIT wait when the checks will use
   * it ({@link Meters#nativeExcludesJvm()} false: at a JVM's start the compiler is rarely idle, and
   * the wait cost the first test 0.2-0.6 s for nothing when Native Memory Tracking takes the JIT's
   * arenas out of native readings). Its polls read the meters without a GC: a full GC stops every
   * thread, JUnit's discovery beside it too, and the class loading wanted here needs none (four GCs
   * went, with {@code 3 × POLL} of polling, from every JVM's start).
   */
  static void warmUp(Meters meters) {
    if (!meters.nativeExcludesJvm()) {
      awaitCompilerQuiet(meters);
    }
    settleUntil(meters, () -> meters.capture(false), POLL.multipliedBy(2), s -> State.LEFTOVERS);
  }
}
