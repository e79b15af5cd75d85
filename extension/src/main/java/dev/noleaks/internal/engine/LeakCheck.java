package dev.noleaks.internal.engine;

import dev.noleaks.Check;
import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Lingering;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Rules;
import dev.noleaks.internal.judge.Trend;
import dev.noleaks.internal.measure.ClassHistogram;
import dev.noleaks.internal.measure.Concurrency;
import dev.noleaks.internal.measure.Diff;
import dev.noleaks.internal.measure.HeapPaths;
import dev.noleaks.internal.measure.Meters;
import dev.noleaks.internal.measure.NativeSites;
import dev.noleaks.internal.measure.OwnWork;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.measure.Settler;
import dev.noleaks.internal.measure.ThreadOrigins;
import dev.noleaks.internal.report.Messages;
import dev.noleaks.probe.Reading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One leak check, the engine both the extension and the fluent assertions run: {@link #begin}
 * before any set-up, {@link #measureHeap} right before the code, {@link #run} the code (once, or
 * {@code warmup + repeat} times in repeated mode), {@link #end} after any tear-down. Whether the
 * check is repeated is decided here, from the settings, and nowhere else: in repeated mode heap and
 * native memory are judged by their trend over the runs ({@link RepeatedRun}) and descriptors,
 * threads and buffers by the single-run rule over all of them ({@link SingleRun}).
 */
public final class LeakCheck {

  private static volatile boolean dryRunDone;

  /**
   * The meters, with one dry run of a whole check done first, once per JVM: the first test of a run
   * then does not pay for the classes, lambda forms and caches our own code and JUnit's reporting
   * load on first use (measured: ~800 KB of heap, mostly time zone data for report entry
   * timestamps). Every way into a check takes the meters here, before any baseline.
   */
  public static Meters meters() {
    awaitPrepared();
    Meters meters = Meters.get();
    if (!dryRunDone) {
      synchronized (LeakCheck.class) {
        if (!dryRunDone) {
          dryRun(meters);
          dryRunDone = true;
        }
      }
    }
    return meters;
  }

  /** The thread {@link #prepareInBackground} started, until a check has waited for it to end. */
  private static volatile Thread preparing;

  /**
   * Starts what {@link #meters()} does once per JVM (the probes, JNA and the platform MBean server,
   * the warm-up and the dry run: 0.5-0.8 s) on a thread of its own, so that it runs while JUnit
   * discovers the tests, on a core that is otherwise idle then, rather than in the first test. The
   * first check waits for that thread to end before its baseline, so nothing of it is measured and
   * the thread is gone by then. Does nothing once the meters are ready or being prepared.
   */
  public static synchronized void prepareInBackground() {
    if (dryRunDone || preparing != null) {
      return;
    }
    preparing =
        new Thread(
            () -> {
              try {
                meters();
              } catch (RuntimeException | LinkageError e) {
                // The first check meets the same problem and reports it where it belongs.
              }
            },
            "noleaks-prepare");
    preparing.setDaemon(true);
    preparing.start();
  }

  /** Waits for the thread {@link #prepareInBackground} started to end, unless called on it. */
  private static void awaitPrepared() {
    Thread t = preparing;
    if (t == null || t == Thread.currentThread()) {
      return;
    }
    boolean interrupted = false;
    while (t.isAlive()) {
      try {
        t.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    preparing = null;
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** A whole check of nothing, on {@code meters} only (not through {@link #meters()}). */
  private static void dryRun(Meters meters) {
    Settings settings = Settings.defaults();
    SingleRun.Baseline baseline =
        SingleRun.measureHeap(meters, SingleRun.beginResources(meters, settings), false, false);
    Readings before = baseline.snapshot();
    Readings after =
        Settler.settleUntil(
            meters, Duration.ZERO, !meters.nativeExcludesJvm(), s -> Settler.State.CLEAN);
    Diff diff = before.diff(after);
    List<Finding.Leak> leaks = new ArrayList<>(Rules.leaks(diff, settings));
    Rules.heap(diff, Long.MIN_VALUE).ifPresent(leaks::add); // absent with DisableExplicitGC
    Messages.frame(new Throwable().getStackTrace()[0]);
    // Its first rows only: the classes load the same, and a whole histogram's thousands of lines
    // made the regular expressions' code hot for the JIT in every JVM.
    String rows = baseline.histogram().map(SingleRun.Histogram::text).orElse("");
    ClassHistogram.parse(rows.substring(0, nthLineEnd(rows, 8)))
        .grownSince(ClassHistogram.parse(""), Rules.TOP_CLASSES);
    Messages.failure("warm-up", leaks, Rules.unavailable(after, settings), List.of());
    Messages.readings(after);
  }

  /** Where the {@code n}th line of {@code text} ends (its length when it has fewer). */
  private static int nthLineEnd(String text, int n) {
    int end = -1;
    for (int i = 0; i < n; i++) {
      end = text.indexOf('\n', end + 1);
      if (end < 0) {
        return text.length();
      }
    }
    return end;
  }

  /** The checked code. Its exceptions propagate unchanged. */
  @FunctionalInterface
  public interface Body {
    void run() throws Throwable;
  }

  private final Settings settings;
  private final boolean marksIsolated;
  private final Optional<Concurrency> neighbours;
  private SingleRun.Baseline baseline;
  private final List<Finding> trend = new ArrayList<>();
  private List<Trend> series = List.of();
  private Readings afterSetUp;
  private List<Finding.Leak> firstRunGrew = List.of();
  private Throwable secondRunThrew;
  private Set<Check> excused = Set.of();

  /**
   * Whether the heap, its baseline estimated and its first run grown, is judged on the second run
   * alone: its first run's growth (from the lowest possible baseline) is then never said.
   */
  private boolean heapFromMid;

  private final List<Finding.Leak> leftToGc = new ArrayList<>();
  private final Set<Check> blamedOnNested = ConcurrentHashMap.newKeySet();
  private List<JavaThread> threadsAtStart;
  private Handles afterFirstRun;

  /** The live heap after a first run whose heap or buffers grew, for an end that finds a leak. */
  private Optional<HeapPaths.Dump> firstRunDump = Optional.empty();

  private Readings firstMid;

  /**
   * What the allocation hooks saw of a second run's unfreed native memory, when it was recorded.
   */
  private Optional<NativeSites.Explained> secondRunSites = Optional.empty();

  /**
   * Whether native memory is judged by the allocation hooks: without Native Memory Tracking, over a
   * second and a third run ({@link #judgeHooks}).
   */
  private boolean nativeByHooks;

  /**
   * The hooks' recording of the second and third runs, marked between them, until the end stops it
   * (after the tear-down). Volatile: under {@code @Timeout}'s separate thread the runs and the end
   * may not share a thread.
   */
  private volatile Optional<NativeSites.Recording> outlastRecording = Optional.empty();

  /** What the hooks saw of the second run's native blocks outlasting a third. */
  private Optional<NativeSites.Recorded> judgedByHooks = Optional.empty();

  /** Why the hooks could not judge native memory, when they could not. */
  private Optional<String> hooksNotJudged = Optional.empty();

  private Set<Check> mustOutlast = Set.of();
  private final ThreadOrigins.Owner owner;
  private final ThreadOrigins.Owner secondRun;
  private long secondRunSince;
  private final Object ownerBefore;
  private final long madeSince;

  private LeakCheck(
      Settings settings, boolean marksIsolated, Optional<Concurrency> neighbours, String name) {
    this.settings = settings;
    this.marksIsolated = marksIsolated;
    this.neighbours = neighbours;
    this.baseline = SingleRun.beginResources(settings);
    this.owner = new ThreadOrigins.Owner(name, !settings.repeated());
    this.secondRun = new ThreadOrigins.Owner(name + ", second run");
    this.ownerBefore = ThreadOrigins.enter(owner);
    this.madeSince = ThreadOrigins.now();
  }

  /**
   * Starts a check: descriptors, threads, buffers and native memory are read now (no GC). An {@code
   * isolated} check is one nothing runs beside ({@code @NoLeaks} takes JUnit's global lock): it
   * marks its thread so until it ends, and what its code runs on JUnit's own workers is not taken
   * for a neighbour. Any other check watches for tests run beside it under JUnit's parallel
   * execution (unless an isolated check around it marked the thread), and says it could not measure
   * if one ran. The threads the code makes from now on are {@code name}'s ({@link ThreadOrigins}):
   * a thread that threads of other code made while it ran is that code's growth, not this check's
   * leak.
   *
   * @param name the test as people find it
   */
  public static LeakCheck begin(Settings settings, boolean isolated, String name) {
    if (isolated) {
      Concurrency.isolated(true);
    }
    OwnWork.enter();
    try {
      return new LeakCheck(
          settings, isolated, isolated ? Optional.empty() : Concurrency.watch(), name);
    } finally {
      OwnWork.exit();
    }
  }

  /**
   * Reads the heap right before the code under test (after set-up code, so what it keeps is not
   * growth); with {@code mayDerive} the reading may come from the last full GC instead, and with
   * {@code mayEstimate} too (the code is a method that {@link #run} may run twice) be estimated
   * from it (see {@link SingleRun#measureHeap(Meters, SingleRun.Baseline, boolean, boolean)}).
   */
  public Readings measureHeap(boolean mayDerive, boolean mayEstimate) {
    Meters meters = meters();
    OwnWork.enter();
    try {
      baseline = SingleRun.measureHeap(meters, baseline, mayDerive, mayEstimate);
    } finally {
      OwnWork.exit();
    }
    return baseline.snapshot();
  }

  /**
   * The code under test starts now: what was allocated before (a report entry) is not its. When a
   * second run may follow, the buffer pools are read here too (two MXBean reads), so that buffers
   * set-up code kept are never excused as the method's first use.
   */
  public void startingNow() {
    Meters meters = meters();
    baseline = baseline.startingAt(meters.allocations());
    if (settings.rerun() && !repeats() && settings.checks(Check.BUFFERS)) {
      afterSetUp = meters.withBuffersNow(baseline.snapshot());
    }
    if (settings.rerun() && !repeats() && settings.checks(Check.THREADS)) {
      threadsAtStart = Meters.threads(false); // ~10 µs: ids, names, no stacks
    }
  }

  /**
   * In repeated mode, each memory meter's readings after every measured run, the baseline first;
   * empty before the runs and in single-run mode.
   */
  public List<Trend> series() {
    return series;
  }

  public Settings settings() {
    return settings;
  }

  /** Whether the code runs {@code warmup + repeat} times and memory is judged by its trend. */
  public boolean repeats() {
    return settings.repeated();
  }

  /**
   * Runs the code: once, or in repeated mode {@code warmup + repeat} times, judging the trend. In
   * single-run mode, when memory grew above its tolerance (the heap: above half of it) and {@code
   * noleaks.rerun} allows it, runs {@code again} once more and judges memory on that second run
   * (see {@code @NoLeaks(rerun = …)}); null when the code cannot run twice.
   */
  public void run(Body body, Body again) throws Throwable {
    if (repeats()) {
      RepeatedRun.Repetition repetition = RepeatedRun.run(settings, body::run);
      trend.addAll(repetition.findings());
      series = repetition.series();
      return;
    }
    body.run();
    if (again == null || !settings.rerun() || neighbours() > 0) {
      return; // under parallel execution its readings are its neighbours' too
    }
    Meters meters = meters();
    Optional<Handles> handles;
    SingleRun.FirstRun first;
    OwnWork.enter();
    try {
      handles =
          threadsAtStart == null
              ? Optional.empty()
              : Handles.leftBy(meters, settings, threadsAtStart);
      first = SingleRun.afterFirstRun(meters, baseline, scope());
    } finally {
      OwnWork.exit();
    }
    baseline = first.baseline();
    leftToGc.addAll(first.leftToGc());
    if (first.grew().isEmpty() && handles.isEmpty()) {
      return;
    }
    firstRunGrew = first.grew();
    heapFromMid = first.heapFromMid();
    firstRunDump = first.dump();
    firstMid = firstRunGrew.isEmpty() ? null : first.mid();
    afterFirstRun = handles.orElse(null);
    // What the second run's code makes is its own: a thread that a thread of the first run makes
    // meanwhile (a server started in the first run, growing) is that run's growth.
    Object firstRunOwner = ThreadOrigins.enter(secondRun);
    secondRunSince = ThreadOrigins.now();
    boolean sites =
        recordsSites(settings) && firstRunGrew.stream().anyMatch(f -> f.check() == Check.NATIVE);
    Reading<NativeSites> recorder = sites ? recorder(meters) : null;
    Optional<NativeSites.Recording> recording =
        sites ? recorder.toOptional().map(NativeSites::start) : Optional.empty();
    // Without NMT glibc's figures hold the JVM's own malloc, which it hands back by MBs: the
    // hooks judge instead, by what the second run left that a third does not free.
    boolean byHooks =
        recording.filter(NativeSites.Recording::started).isPresent() && !meters.nativeExcludesJvm();
    if (byHooks) {
      nativeByHooks = true;
      outlastRecording = recording; // stopped by the end, whatever the runs do
      baseline = baseline.withoutNative(); // nor does any reading wait for the JIT on its account
    }
    boolean ran = false;
    try {
      again.run();
      ran = true;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      // Judged over both runs without excuse; the test's outcome is its first run's.
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      secondRunThrew = t;
      return;
    } finally {
      ThreadOrigins.restore(firstRunOwner);
      if (!ran && !byHooks) {
        recording.ifPresent(r -> r.stop(1));
      }
    }
    // Blocks the run dropped for the GC to free are freed before the recording ends.
    Optional<NativeSites.Seen> seen = Optional.empty();
    if (recording.isPresent() && !byHooks) {
      OwnWork.enter();
      try {
        seen = Optional.of(stopAfterGc(recording.get(), 1));
      } finally {
        OwnWork.exit();
      }
    }
    if (!firstRunGrew.isEmpty()) {
      SingleRun.Excused second =
          SingleRun.excused(meters, baseline, afterSetUp, first, scope(), leftToGc);
      excused = second.checks();
      mustOutlast = second.mustOutlast();
      if (sites && !byHooks) {
        long grown = second.nativeGrowth().toOptional().orElse(0L);
        NativeSites.Seen why = seen.isPresent() ? seen.get() : notRecorded(recorder);
        secondRunSites = Optional.of(new NativeSites.Explained(why, grown));
      }
    }
    if (byHooks) {
      thirdRun(again, recording.get());
    }
  }

  /**
   * Runs the code a third time, after a mark in the hooks' recording, so that the end counts only
   * what the second run allocated and the third did not free ({@link #judgeHooks}). The other
   * memory checks were read right after the second run, as in any check that ran twice. An
   * exception leaves native memory not judged, and said so; the test's outcome is its first run's.
   */
  private void thirdRun(Body again, NativeSites.Recording recording) {
    try {
      recording.mark();
    } catch (RuntimeException | LinkageError e) {
      hooksNotJudged = Optional.of("the mark between the second and third runs failed: " + e);
      return;
    }
    Object before = ThreadOrigins.enter(secondRun); // what it makes is the second run's kind
    try {
      again.run();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      hooksNotJudged = Optional.of("its third run threw " + t);
    } finally {
      ThreadOrigins.restore(before);
    }
  }

  /** Whether a native finding of these settings lists its sites: {@code noleaks.native.sites}. */
  static boolean recordsSites(Settings settings) {
    return settings.nativeSites() && settings.checks(Check.NATIVE);
  }

  /**
   * The native-site recorder, loaded when a check first needs it rather than before the first
   * baseline of every JVM (0.15-0.35 s and ~15 MB of malloc that most suites never use). Loaded in
   * the middle of a check, between two full GCs: what the load kept on the heap and (with Native
   * Memory Tracking) in glibc is left out of every reading from then on ({@link
   * Meters#keptByNoLeaks}), so neither that check nor a later one is charged with it. It opens no
   * descriptor and starts no thread (measured).
   *
   * <p>Without NMT the recording makes the JVM allocate for itself (method ids, stack walking),
   * which glibc's figures count: a buffer replaced on every call failed as grown by 0.7 MB in a
   * recorded second run judged by them (JDK 17). So a recorded check is judged by the hooks there
   * ({@link #judgeHooks}), never by glibc's figures of the recorded runs.
   */
  static Reading<NativeSites> recorder(Meters meters) {
    if (NativeSites.loaded()) {
      return NativeSites.get();
    }
    synchronized (LeakCheck.class) {
      if (NativeSites.loaded()) {
        return NativeSites.get();
      }
      OwnWork.enter();
      try {
        Settler.collectGarbage();
        Readings before = meters.capture(true, false);
        Reading<NativeSites> recorder = NativeSites.get();
        Settler.collectGarbage();
        Readings after = meters.capture(true, false);
        long nativeBytes =
            after.nativeInUse().toOptional().orElse(0L)
                - before.nativeInUse().toOptional().orElse(0L);
        // Without NMT glibc's figures move by MBs of the JVM's own: the native bytes are not
        // measured, and not needed (the hooks judge the check that loads it, and later checks'
        // readings are all taken after the load).
        meters.keptByNoLeaks(
            Math.max(0, after.heapUsed() - before.heapUsed()),
            meters.nativeExcludesJvm() ? Math.max(0, nativeBytes) : 0);
        return recorder;
      } finally {
        OwnWork.exit();
      }
    }
  }

  /** Why nothing was recorded: the {@link #recorder} is unavailable. */
  static NativeSites.Seen notRecorded(Reading<NativeSites> recorder) {
    return new NativeSites.NotRecorded(recorder.unavailableReason().orElse("not run"));
  }

  /** Ends a recording after a full GC, so that what the code left to the GC is not a site. */
  static NativeSites.Seen stopAfterGc(NativeSites.Recording recording, int runs) {
    Settler.collectGarbage();
    return recording.stop(runs);
  }

  /**
   * Ends the check and waits for what was on its way out ({@link Lingering}) until it is gone or
   * {@code noleaks.linger} has passed; what is still there then is a leak.
   */
  public Judgement endWaitingForLingering() {
    return end(Optional.empty(), "");
  }

  /**
   * Ends the check. What is on its way out ({@link Lingering}) is left to {@code classEnd}, to be
   * checked again when the class ends, with a note saying so; without one it is waited for now,
   * until it is gone or {@code noleaks.linger} has passed, and what is still there then is a leak.
   *
   * @param test the test as people find it, named when its class finds what it left
   */
  public Judgement end(Optional<Pending> classEnd, String test) {
    if (marksIsolated) {
      Concurrency.isolated(false);
    }
    ThreadOrigins.restore(ownerBefore);
    Judgement judgement;
    OwnWork.enter();
    try {
      judgement = judge();
    } finally {
      OwnWork.exit();
    }
    if (!judgement.lingering().isEmpty()) {
      Duration linger = settings.lingering().linger();
      long deadline = System.nanoTime() + linger.toNanos();
      if (classEnd.isPresent()) {
        classEnd.get().add(test, judgement.lingering(), deadline, settings);
        judgement =
            judgement
                .lingeringJudged(Optional.empty())
                .with(List.of(), Messages.onTheirWayOut(judgement.lingering().described(), linger));
      } else {
        judgement =
            judgement.lingeringJudged(
                judgement.lingering().stillThereAt(meters(), deadline, linger));
      }
    }
    return blamedOnNested.isEmpty()
        ? judgement
        : judgement.without(f -> blamedOnNested.contains(f.check()));
  }

  /** What a nested check found, and what its code threw. */
  public record Nested(Judgement judgement, Optional<Throwable> thrown) {}

  /**
   * Checks code run inside this check on its own (a dynamic test of a {@code @TestFactory}), so
   * that what it leaks is blamed on it, not on this check: this check's end leaves out the kinds of
   * leak a nested check was blamed for. The code runs once; what it throws is returned with the
   * judgement, which is complete either way.
   */
  public Nested nested(Body body) {
    LeakCheck check =
        new LeakCheck(
            settings,
            false,
            neighbours.isPresent() ? Concurrency.watch() : Optional.empty(),
            "a dynamic test of " + owner.name());
    Throwable thrown = null;
    try {
      check.runOnce(body, null); // no second run: a dynamic test can be run once only
    } catch (Throwable t) {
      thrown = t;
    }
    Judgement judgement = check.endWaitingForLingering();
    judgement.leaks().forEach(f -> blamedOnNested.add(f.check()));
    return new Nested(judgement, Optional.ofNullable(thrown));
  }

  /** The end's readings and rules, before anything on its way out is waited for. */
  private Judgement judge() {
    try {
      stopHooks();
      Judgement judgement = judgeOnce();
      return nativeByHooks || meters().nativeExcludesJvm()
          ? judgement
          : glibcAloneNotMeasured(judgement);
    } finally {
      firstRunDump.ifPresent(HeapPaths.Dump::close);
    }
  }

  /**
   * Without Native Memory Tracking, a native finding that only glibc's figures judged is not
   * measured, not a leak: they hold the JVM's own malloc, which moves by MBs (on commons-text, a
   * test that provoked an OutOfMemoryError and aborted, so it ran once, read +1.9 MB of G1's and
   * the JIT's malloc). The allocation hooks judge only growth that a second and a third run can
   * confirm; a test that ran once, or whose growth appeared after its first run, is left to the
   * flag, which the entry names.
   */
  private static Judgement glibcAloneNotMeasured(Judgement judgement) {
    List<Finding.NativeGrew> glibc =
        judgement.leaks().stream()
            .filter(Finding.NativeGrew.class::isInstance)
            .map(Finding.NativeGrew.class::cast)
            .toList();
    if (glibc.isEmpty()) {
      return judgement;
    }
    return nativeNotMeasured(
        judgement.without(glibc::contains), Messages.glibcAlone(glibc.get(0).growth()));
  }

  /** {@code judgement} with native memory not measured, for the reason {@code why}. */
  private static Judgement nativeNotMeasured(Judgement judgement, String why) {
    return judgement.with(
        List.of(new Finding.Unavailable(Check.NATIVE, new Finding.Unreadable(why))),
        Optional.empty());
  }

  /**
   * Ends the hooks' recording of the second and third runs, after a GC and the JDK's cleaners (a
   * dropped {@code Deflater}'s memory is freed by one), and reads what the second run left.
   */
  private void stopHooks() {
    Optional<NativeSites.Recording> recording = outlastRecording;
    outlastRecording = Optional.empty();
    if (recording.isEmpty()) {
      return;
    }
    NativeSites.Seen seen;
    try {
      Settler.collectGarbage();
      Settler.awaitNativeCleaners(meters());
    } finally {
      seen = recording.get().stop(1);
    }
    if (seen instanceof NativeSites.Recorded r) {
      judgedByHooks = Optional.of(r);
    } else if (hooksNotJudged.isEmpty()) {
      hooksNotJudged = Optional.of(((NativeSites.NotRecorded) seen).reason());
    }
  }

  /**
   * Judges, without Native Memory Tracking, the native memory of a check whose first run grew it:
   * by the blocks its second run allocated at the code's sites and left unfreed through a third run
   * and the tear-down, less what a library's pool took and the direct buffers the buffer check
   * reports (glibc's rule leaves them out too). Above the tolerance it is a leak whatever glibc's
   * figures say (the JVM handed back its own malloc meanwhile); under it, a first use: a block a
   * later run frees (a buffer replaced on every call) is not counted. What the hooks cannot see (a
   * JNA interface bound to libc's malloc) passes, and the note names the flag that would tell. When
   * they could not judge (a run threw, the recording failed), native memory is not measured, and
   * the judgement says why.
   */
  private Judgement judgeHooks(Judgement judgement) {
    if (secondRunThrew != null || hooksNotJudged.isPresent() || judgedByHooks.isEmpty()) {
      String why =
          secondRunThrew != null
              ? "its second run threw " + secondRunThrew
              : hooksNotJudged.orElse("nothing was recorded");
      excused = withCheck(excused, Check.NATIVE, mustOutlast.contains(Check.NATIVE));
      judgedByHooks = Optional.empty();
      return nativeNotMeasured(judgement, Messages.hooksNotJudged(why));
    }
    NativeSites.Recorded r = judgedByHooks.get();
    long counted = r.bytes() - Rules.leftOutOfNative(firstMid.diff(judgement.after()), settings);
    if (counted <= settings.nativeTolerance()) {
      excused = withCheck(excused, Check.NATIVE, mustOutlast.contains(Check.NATIVE));
      return judgement;
    }
    excused = withCheck(excused, Check.NATIVE, false);
    Readings before = baseline.snapshot();
    Readings after = judgement.after().nativeInUse().isAvailable() ? judgement.after() : before;
    List<Finding.Leak> leaks =
        new ArrayList<>(
            judgement.leaks().stream().filter(f -> !(f instanceof Finding.NativeGrew)).toList());
    leaks.add(
        Finding.NativeGrew.outlasting(
            r,
            counted,
            settings.nativeTolerance(),
            Finding.NativeGrew.Figures.of(before),
            Finding.NativeGrew.Figures.of(after)));
    return judgement.withLeaks(leaks);
  }

  private static Set<Check> withCheck(Set<Check> checks, Check check, boolean in) {
    Set<Check> all = EnumSet.noneOf(Check.class);
    all.addAll(checks);
    if (in) {
      all.add(check);
    } else {
      all.remove(check);
    }
    return all;
  }

  private Judgement judgeOnce() {
    Judgement judgement =
        SingleRun.end(baseline, secondRunThrew == null ? firstMid : null, mustOutlast, scope());
    int others = neighbours();
    if (others > 0) {
      // Its readings are its neighbours' as well: nothing is blamed, and it says so.
      return judgement.disturbed(settings, others);
    }
    if (secondRunThrew != null && heapFromMid) {
      // The heap's baseline was estimated and the run that would have measured it threw: not
      // judged, and said so. When nothing else grew in the first run, the second run was for the
      // heap alone, and what that aborted run left is not the test's either.
      boolean heapAlone = grewForSure().isEmpty() && afterFirstRun == null;
      judgement =
          judgement
              .without(f -> heapAlone || f.check() == Check.HEAP)
              .with(List.of(), Optional.of(Messages.heapNotJudged(secondRunThrew, heapAlone)));
    }
    if (nativeByHooks) {
      judgement = judgeHooks(judgement);
    }
    if (!excused.isEmpty()) {
      judgement = judgement.without(f -> excused.contains(f.check()));
    }
    judgement =
        SingleRun.withHeldBy(
            judgement,
            settings.heapDump(),
            settings.ignores().pools(),
            secondRunThrew == null ? firstRunDump : Optional.empty());
    judgement = Handles.attributed(judgement, scope());
    if (secondRunThrew == null && secondRunSites.isPresent()) {
      NativeSites.Explained sites = secondRunSites.get();
      judgement =
          judgement.withLeaks(
              judgement.leaks().stream()
                  .map(f -> f instanceof Finding.NativeGrew n ? n.withSites(sites) : f)
                  .toList());
    }
    if (afterFirstRun != null && secondRunThrew == null) {
      judgement = afterFirstRun.judged(judgement, secondRun, secondRunSince);
    }
    List<Finding> more = new ArrayList<>(trend);
    more.addAll(leftToGc); // dropped unclosed before a GC NoLeaks ran between the runs
    List<Finding.Leak> grewForSure = grewForSure();
    if (!firstRunGrew.isEmpty() && secondRunThrew == null && !grewAgain(judgement)) {
      Judgement passed = judgement.with(more, Optional.empty());
      return grewForSure.isEmpty()
          ? passed
          : passed.retainedOnce(grewForSure, retainedOnceNote(grewForSure));
    }
    return judgement.with(more, secondRunNote(judgement));
  }

  /**
   * The note of memory a first run alone kept. Native memory judged so without Native Memory
   * Tracking may be a leak: the JVM handed back MBs of its own malloc during the second run in 80
   * of 84 misses of a kept 4 MB (native-matrix), so the note names the flag that would tell.
   */
  private String retainedOnceNote(List<Finding.Leak> grew) {
    String note = Messages.secondRun(grew, false);
    boolean nativeWithoutNmt =
        !meters().nativeExcludesJvm() && grew.stream().anyMatch(f -> f.check() == Check.NATIVE);
    if (!nativeWithoutNmt) {
      return note;
    }
    return note
        + " "
        + judgedByHooks
            .map(r -> Messages.judgedByHooks(r.bytes(), false))
            .orElse(Messages.NATIVE_ONCE_WITHOUT_NMT);
  }

  /** What the first run grew, but for the heap when it is judged on the second run alone. */
  private List<Finding.Leak> grewForSure() {
    return firstRunGrew.stream().filter(f -> !heapFromMid || f.check() != Check.HEAP).toList();
  }

  /** Whether memory leaked in the judgement of a check whose code ran twice. */
  private static boolean grewAgain(Judgement judgement) {
    return judgement.leaks().stream().anyMatch(f -> SingleRun.judgesMemory(f.check()));
  }

  /** The threads this check's code made: its runs' since it began. */
  private ThreadOrigins.Scope scope() {
    return new ThreadOrigins.Scope(Set.of(owner, secondRun), madeSince);
  }

  /** How many tests ran beside this check so far (0 when not watched). */
  private int neighbours() {
    return neighbours.map(Concurrency::neighbours).orElse(0);
  }

  /** What a second run showed, when the code ran twice: shown with the findings or on its own. */
  private Optional<String> secondRunNote(Judgement judgement) {
    List<Finding.Leak> grew = grewForSure();
    Optional<String> note =
        grew.isEmpty()
            ? Optional.empty()
            : Optional.of(
                secondRunThrew != null
                    ? Messages.secondRunThrew(grew, secondRunThrew)
                    : Messages.secondRun(grew, grewAgain(judgement)));
    if (secondRunThrew == null && judgedByHooks.isPresent()) {
      NativeSites.Recorded r = judgedByHooks.get();
      boolean leaked = !excused.contains(Check.NATIVE);
      note = note.map(n -> n + " " + Messages.judgedByHooks(r.bytes(), leaked));
    }
    if (!heapFromMid || secondRunThrew != null) {
      return note;
    }
    return Optional.of(note.map(n -> n + " ").orElse("") + Messages.HEAP_ON_SECOND_RUN);
  }

  /**
   * A whole check of code with no set-up around it, as the fluent assertions run it: in single-run
   * mode the {@code warmup} runs come before the baseline, in repeated mode the trend has its own.
   */
  public static Judgement of(Settings settings, Body body) throws Throwable {
    if (!settings.repeated()) { // the trend's own warm-up runs are measured as it needs
      for (int i = 0; i < settings.warmup(); i++) {
        body.run();
      }
    }
    LeakCheck check = begin(settings, false, "the checked code");
    check.runOnce(body, body);
    return check.endWaitingForLingering();
  }

  /** Reads the heap, then runs the code: the check's whole middle, with no set-up around it. */
  private void runOnce(Body body, Body again) throws Throwable {
    measureHeap(false, false);
    startingNow();
    run(body, again);
  }
}
