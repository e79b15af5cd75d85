package dev.noleaks.internal.engine;

import dev.noleaks.Check;
import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.HeapDump;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.internal.config.Lingering;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.judge.OpenDescriptor;
import dev.noleaks.internal.judge.Rules;
import dev.noleaks.internal.measure.Allocations;
import dev.noleaks.internal.measure.ClassHistogram;
import dev.noleaks.internal.measure.Diff;
import dev.noleaks.internal.measure.HeapPaths;
import dev.noleaks.internal.measure.Meters;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.measure.Settler;
import dev.noleaks.internal.measure.ThreadOrigins;
import dev.noleaks.internal.report.Messages;
import dev.noleaks.probe.Descriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The single-run measurement: a settled baseline, then, after the code ran, a settled snapshot
 * judged by {@link Rules}. {@link LeakCheck} runs it for the extension and the fluent assertions
 * alike.
 */
final class SingleRun {

  /**
   * A class histogram taken right after a full GC, to explain heap growth against.
   *
   * @param text the {@code GC.class_histogram} output
   * @param heap the heap figure it goes with, its own text included
   */
  record Histogram(String text, long heap) {}

  /**
   * The baseline and the class histogram that explains heap growth from it.
   *
   * @param histogram taken at this baseline's GC or at an earlier one (see {@link #measureHeap})
   * @param window every thread's allocation counter when the code under test started, from which
   *     the after-check bounds what the code can have added to the heap; null before the heap is
   *     measured
   * @param grownAtWindow how much the heap had grown over the baseline at {@code window}, read
   *     after a full GC (at least that much; 0 when the window is the baseline's own)
   * @param heapSlack by how much the snapshot's heap figure may overstate the heap's live bytes: 0
   *     when it was read after a full GC, or derived with little allocated since; else an estimated
   *     baseline's bytes allocated since the last GC ({@link SingleRun#measureHeap}), all counted
   *     as still held
   */
  record Baseline(
      Settings settings,
      Readings snapshot,
      Optional<Histogram> histogram,
      Allocations window,
      long grownAtWindow,
      long heapSlack) {
    Baseline(Settings settings, Readings snapshot) {
      this(settings, snapshot, Optional.empty(), null, 0, 0);
    }

    Baseline(
        Settings settings, Readings snapshot, Optional<Histogram> histogram, Allocations window) {
      this(settings, snapshot, histogram, window, 0, 0);
    }

    /** This baseline, with the code under test starting now. */
    Baseline startingAt(Allocations now) {
      return new Baseline(settings, snapshot, histogram, now, 0, heapSlack);
    }

    /**
     * This baseline with native memory left to someone else to judge: no rule reads it, and no
     * reading waits for the JIT to go idle on its account.
     */
    Baseline withoutNative() {
      return new Baseline(
          settings.without(Check.NATIVE), snapshot, histogram, window, grownAtWindow, heapSlack);
    }

    /**
     * The snapshot with the heap figure at its lowest, as if everything allocated since the last GC
     * was garbage: growth from it may be overstated by what the code before the check kept of
     * {@code heapSlack}, and understated by what that code released since the last GC. The same as
     * the snapshot when exact.
     */
    Readings optimistic() {
      return heapSlack == 0
          ? snapshot
          : snapshot.withHeap(snapshot.heapUsed() - heapSlack, snapshot.heapExact());
    }
  }

  /**
   * What the first of a single run's two possible runs left, read before a second would start.
   *
   * @param baseline the check's baseline from here on: the same as before, with a later window when
   *     a full GC showed no growth, or with the heap from {@code mid} when an estimated baseline is
   *     rebased there ({@code heapFromMid})
   * @param grew the memory that grew above its tolerance in the first run (the heap: above half of
   *     it), classes named: when not empty, the code runs a second time
   * @param mid the memory right after the first run, after a full GC (null when not read)
   * @param heapFromMid whether the heap, after an estimated baseline ({@link #measureHeap}) whose
   *     first run grew, is judged on the second run alone, from {@code mid}, which {@code baseline}
   *     then holds; its first-run growth, from the lowest possible baseline, is never reported as
   *     retained once (it may hold what earlier code kept)
   * @param heapUnderTolerance whether the heap is in {@code grew} for more than half its tolerance,
   *     not more than the tolerance (from the lowest possible baseline): never excused, it is
   *     judged at the end as memory under its tolerance in the first run is ({@link #end})
   */
  record FirstRun(
      Baseline baseline,
      List<Finding.Leak> grew,
      Readings mid,
      List<Finding.Leak> leftToGc,
      Optional<HeapPaths.Dump> dump,
      boolean heapFromMid,
      boolean heapUnderTolerance) {

    FirstRun(
        Baseline baseline, List<Finding.Leak> grew, Readings mid, List<Finding.Leak> leftToGc) {
      this(baseline, grew, mid, leftToGc, Optional.empty(), false, false);
    }
  }

  /** The checks a second run judges anew; descriptors and threads are judged over both runs. */
  private static final java.util.Set<Check> MEMORY =
      java.util.EnumSet.of(Check.HEAP, Check.NATIVE, Check.BUFFERS);

  /** Whether a second run judges this check anew (memory), rather than over both runs. */
  static boolean judgesMemory(Check check) {
    return MEMORY.contains(check);
  }

  /**
   * The last heap reading after a full GC, at the end of a check or at a baseline, from which the
   * next check's heap baseline can be derived without a GC of its own.
   *
   * @param heapUsed heap used right after that GC (with what was allocated before {@code allocated}
   *     and is still held)
   * @param allocated every thread's allocation counter when {@code heapUsed} held
   * @param histogram the class histogram of the last baseline that ran a GC, for explanations
   */
  private record Chain(long heapUsed, Allocations allocated, Histogram histogram) {}

  private static final AtomicReference<Chain> LAST = new AtomicReference<>();

  /**
   * Below half of G1's smallest region (1 MB), so nothing allocated in between was a humongous
   * object, which G1 counts in whole regions: the heap then grew by at most the bytes allocated.
   */
  static final long MAX_DERIVED_ALLOCATION = 256 * 1024;

  /**
   * How many heap tolerances an estimated baseline ({@link #measureHeap}) may have allocated since
   * the last GC: beyond that (2 MB at the default tolerance, a dozen small tests) the baseline runs
   * a GC. Memory released since the last GC, which no reading without a GC sees, could hide as much
   * growth: the window stays short, and starts again at every test class.
   */
  static final int MAX_ESTIMATED_TOLERANCES = 4;

  private SingleRun() {}

  /**
   * Descriptors, threads, buffer pools and native memory, read before any set-up code, so that a
   * resource a {@code @BeforeEach} method opens and nothing closes is the test's leak. No GC:
   * garbage freed later can only lower these meters, and the heap is read separately by {@link
   * #measureHeap}.
   */
  static Baseline beginResources(Settings s) {
    return beginResources(LeakCheck.meters(), s);
  }

  static Baseline beginResources(Meters meters, Settings s) {
    if (quietCompiler(meters, s)) {
      Settler.awaitCompilerQuiet(meters);
    }
    return new Baseline(s, meters.capture(false, false));
  }

  /**
   * Adds the heap to a resource baseline, right before the code under test: a full GC, the heap
   * used, and (single run) the class histogram that explains growth. Read after set-up, so a
   * fixture a {@code @BeforeEach} method keeps in the test instance is there before and after, not
   * growth. Repeated mode and checks without the heap need no GC here. With {@code mayDerive}, the
   * heap figure may instead be derived from the last reading after a full GC (the previous check's
   * end, or its baseline's), saving the full GC that is most of a clean test's cost: the heap can
   * hold at most what it held after that GC plus what all threads have allocated since (JUnit's
   * bookkeeping and set-up code), so that sum is the baseline. NoLeaks' own readings and reports in
   * between (~90 KB of the ~170 KB between two small tests, measured) are left out of the sum
   * ({@link dev.noleaks.internal.measure.OwnWork}): garbage once a check is over, but for the
   * current check's few KB, which can only overstate growth by as much. Otherwise the baseline can
   * only be overstated, so growth is understated by at most what was allocated in between, which
   * must be under half the tolerance and under {@link #MAX_DERIVED_ALLOCATION}. Not derived when a
   * thread has ended since (its allocations went with it), under parallel execution (pass {@code
   * false}), or when the last class histogram no longer {@link #fits}; the baseline then runs a GC,
   * and takes a new histogram if the last one still does not fit.
   *
   * <p>With {@code mayEstimate} (the code may run a second time on growth: a test method, {@code
   * noleaks.rerun} not {@code never}) a baseline whose allocations since that GC were too many to
   * derive from is <em>estimated</em> instead, up to {@link #MAX_ESTIMATED_TOLERANCES} tolerances:
   * the same figure, with those bytes as its {@link Baseline#heapSlack}. A test that then allocates
   * little is judged without any GC as before (its growth is at most what it allocated, whatever
   * the baseline). A larger one runs a GC after its first run as before; when its growth from the
   * lowest possible baseline ({@link Baseline#optimistic}) is above half the tolerance it runs
   * again, and its heap is judged on the second run alone, between two GCs (so too when another
   * memory meter grew); when that second run throws, the heap is reported not judged. A check that
   * does not run again (its first run threw, or it grew nothing from the lowest baseline) is judged
   * from the figure itself, the highest possible baseline, which never overstates growth and may
   * understate it by up to the slack. Never in a class's first test, whose baseline runs a GC. A
   * clean small test after another small one thus runs no GC at all, where a GC was needed about
   * every second test.
   */
  static Baseline measureHeap(
      Meters meters, Baseline resources, boolean mayDerive, boolean mayEstimate) {
    Settings s = resources.settings();
    if (!s.checks(Check.HEAP) || s.repeated()) {
      return resources;
    }
    if (mayDerive) {
      Optional<Baseline> derived = derive(meters, resources, mayEstimate && s.rerun());
      if (derived.isPresent()) {
        return derived.get();
      }
    }
    // Held through the GC on purpose: its histogram may serve again.
    Chain prior = LAST.getAndSet(null);
    Allocations beforeGc = meters.allocations();
    Settler.collectGarbage();
    // Nothing between the GC and the histogram allocates arrays: the histogram counts garbage too.
    long heap = meters.heapUsed();
    Optional<Histogram> histogram;
    if (prior != null && fits(prior.histogram(), heap, s)) {
      histogram = Optional.of(prior.histogram()); // its text is in the heap figure, as before
    } else {
      Optional<String> text = ClassHistogram.take();
      // The old text, counted in the heap figure, is garbage from here on; the new one is kept.
      long held =
          heap
              - (prior == null ? 0 : ClassHistogram.retainedBytes(prior.histogram().text()))
              + text.map(ClassHistogram::retainedBytes).orElse(0L);
      histogram = text.map(t -> new Histogram(t, held));
      heap = held;
    }
    prior = null;
    Allocations afterHistogram = meters.allocations();
    boolean exact = meters.explicitGcWorks();
    // A histogram allocates several times its own size, all garbage but its text: the next
    // check's baseline can be derived from this one as well (not only from this check's end) if
    // this thread's bytes in between are counted as the text alone, and other threads' in full
    // (from before the GC: the heap figure may hold some of them twice, never none).
    OptionalLong others = afterHistogram.othersSince(beforeGc);
    if (exact && histogram.isPresent() && others.isPresent()) {
      LAST.set(new Chain(heap + others.getAsLong(), afterHistogram, histogram.get()));
    }
    Readings before = resources.snapshot().withHeap(heap, exact);
    return new Baseline(s, before, histogram, afterHistogram);
  }

  /**
   * Whether a class histogram still explains growth from a heap figure: the heap has moved at most
   * a quarter of the tolerance from the histogram's. A histogram is a heap walk of several ms, so
   * it serves until then; classes other tests changed since may then show beside a leak's, with
   * small figures.
   */
  private static boolean fits(Histogram h, long heap, Settings s) {
    return Math.abs(heap - h.heap()) <= s.heapTolerance() / 4;
  }

  /**
   * The heap baseline derived from the last check's final reading, when that is sound; with {@code
   * mayEstimate}, an estimated one when more was allocated since.
   */
  private static Optional<Baseline> derive(Meters meters, Baseline resources, boolean mayEstimate) {
    Settings s = resources.settings();
    Chain last = LAST.get();
    if (last == null || !meters.explicitGcWorks()) {
      return Optional.empty();
    }
    Allocations now = meters.allocations();
    OptionalLong allocated = now.notOwnSince(last.allocated());
    if (allocated.isEmpty()) {
      return Optional.empty(); // a thread ended: what it allocated is not known
    }
    long since = allocated.getAsLong();
    if (since < 0 || !fits(last.histogram(), last.heapUsed(), s)) {
      return Optional.empty();
    }
    boolean exact = since <= Math.min(s.heapTolerance() / 2, MAX_DERIVED_ALLOCATION);
    if (!exact
        && (!mayEstimate
            || since
                > Math.max(MAX_DERIVED_ALLOCATION, MAX_ESTIMATED_TOLERANCES * s.heapTolerance()))) {
      return Optional.empty();
    }
    return Optional.of(
        new Baseline(
            s,
            resources.snapshot().withHeap(last.heapUsed() + since, true),
            Optional.of(last.histogram()),
            now,
            0,
            exact ? 0 : since));
  }

  /**
   * Reads memory after the code's first run, to decide whether it runs a second time: it does when
   * native memory or buffers grew above their tolerance after a full GC, or the heap above half of
   * its own. Cheap when the code allocated too little for the heap to have grown above half its
   * tolerance and native memory and buffers have not grown before any GC (one reading, as {@link
   * #cleanWithoutGc}). Otherwise a full GC, which the end of the check can then usually skip: its
   * heap bound starts from here.
   */
  static FirstRun afterFirstRun(Meters meters, Baseline baseline, ThreadOrigins.Scope scope) {
    Settings s = baseline.settings();
    java.util.Set<Check> checks = memoryChecks(s);
    Settings memory = s.withChecks(checks);
    Readings before = baseline.snapshot();
    if (checks.isEmpty() || s.repeated()) {
      return new FirstRun(baseline, List.of(), null, List.of());
    }
    if (!memory.checks(Check.HEAP)
        || heapBound(baseline, meters.allocations(), s).orElse(Long.MAX_VALUE)
            <= s.heapTolerance() / 2) {
      Readings now = meters.captureMemory();
      if (Rules.leaks(before.diff(now), memory.without(Check.HEAP)).isEmpty()) {
        return new FirstRun(baseline, List.of(), null, List.of());
      }
    }
    List<Finding.Leak> leftToGc = new ArrayList<>();
    Readings mid = memoryAfterGc(meters, baseline, scope, leftToGc);
    // From an estimated baseline, growth is read from its lowest figure: a second run, judged from
    // this GC's reading, decides what grew only by the estimate.
    Readings lowest = baseline.optimistic();
    List<Finding.Leak> grew = new ArrayList<>(Rules.leaks(lowest.diff(mid), memory));
    boolean heapUnderTolerance = false;
    if (memory.checks(Check.HEAP) && !checksOf(grew).contains(Check.HEAP)) {
      // The heap, exact after a GC, runs again from half its tolerance: a first use just under
      // it in the method would otherwise cross it at the end with the few KB JUnit and the
      // tear-down keep, and fail (commons-csv's first JDBC test: +533.9 KB of 512 KB at the end).
      List<Finding.Leak> half =
          Rules.leaks(
              lowest.diff(mid),
              memory.withChecks(java.util.EnumSet.of(Check.HEAP)).withHalfTolerances());
      grew.addAll(half);
      heapUnderTolerance = !half.isEmpty();
    }
    Allocations read = meters.allocationsAtLastCapture();
    if (grew.isEmpty()) {
      boolean exact = before.heapExact() && mid.heapExact() && read != null;
      if (mid.heapExact() && read != null && baseline.histogram().isPresent()) {
        // This GC's reading serves the next check's heap baseline too, as the end's would: the
        // end of this check is then bounded without a GC of its own and leaves no newer one.
        LAST.set(new Chain(mid.heapUsed(), read, baseline.histogram().get()));
      }
      return new FirstRun(
          exact
              ? new Baseline(
                  s,
                  before,
                  baseline.histogram(),
                  read,
                  mid.heapUsed() - lowest.heapUsed(),
                  baseline.heapSlack())
              : baseline,
          List.of(),
          mid,
          leftToGc);
    }
    List<Finding.Leak> named = new ArrayList<>(grew);
    Optional<String> live = Optional.empty();
    if (memory.checks(Check.HEAP) && baseline.histogram().isPresent()) {
      // Names the classes for the note (its own GC: the reading above left garbage); kept only
      // when the heap is judged from here on.
      live = ClassHistogram.takeLive();
      explainHeap(named, baseline.histogram().map(Histogram::text), live);
    }
    // What holds a heap or buffer leak is told by what grew between this dump and the end's: a
    // dump costs 40-110 ms on a small heap, and is read only if the end finds a leak.
    Optional<HeapPaths.Dump> dump =
        grew.stream().anyMatch(f -> f.check() == Check.HEAP || f.check() == Check.BUFFERS)
            ? HeapPaths.dumpBefore(s.heapDump())
            : Optional.empty();
    if (baseline.heapSlack() > 0 && memory.checks(Check.HEAP) && mid.heapExact() && read != null) {
      // An estimated baseline's heap figure is not exact: the heap is judged on the second run
      // alone, from this GC's reading, which then holds the histogram kept to explain it (the
      // last chain's text stays held until the end's reading: see remember).
      long held = mid.heapUsed() + live.map(ClassHistogram::retainedBytes).orElse(0L);
      Readings from = mid.withHeap(held, true);
      Baseline rebased =
          new Baseline(
              s,
              before.withHeap(held, true),
              live.map(text -> new Histogram(text, held)).or(baseline::histogram),
              read);
      return new FirstRun(
          rebased, List.copyOf(named), from, leftToGc, dump, true, heapUnderTolerance);
    }
    return new FirstRun(
        baseline, List.copyOf(named), mid, leftToGc, dump, false, heapUnderTolerance);
  }

  /**
   * The memory checks whose first-run growth is excused after a second run: those that grew above
   * their tolerance in the first run (not the heap when it grew by less: {@link
   * FirstRun#heapUnderTolerance}) but not again in the second (read right after it, before any
   * tear-down, after a full GC), and not in the set-up code either ({@code afterSetUp}, read when
   * the method started; null when not read). The check's own verdict, over both runs and the
   * tear-down, stands for every other one: a leak must grow again, and outlast the tear-down.
   */
  static Excused excused(
      Meters meters,
      Baseline baseline,
      Readings afterSetUp,
      FirstRun first,
      ThreadOrigins.Scope scope,
      List<Finding.Leak> leftToGc) {
    Settings s = baseline.settings();
    Settings memory = s.withChecks(memoryChecks(s));
    Readings second = memoryAfterGc(meters, baseline, scope, leftToGc);
    java.util.Set<Check> grewAgain = checksOf(Rules.leaks(first.mid().diff(second), memory));
    // Buffers only: their counts are exact, while native readings between the check's start and
    // the method's move by hundreds of KB in a JVM's first tests (NoLeaks' own GC and histogram,
    // glibc's caches); a set-up native leak beside a first use is caught by the class's next test.
    java.util.Set<Check> setUpGrew =
        afterSetUp == null || !memory.checks(Check.BUFFERS)
            ? java.util.Set.of()
            : checksOf(
                Rules.leaks(
                    baseline.snapshot().diff(afterSetUp),
                    memory.withChecks(java.util.Set.of(Check.BUFFERS))));
    java.util.Set<Check> mustOutlast = checksOf(first.grew());
    mustOutlast.removeAll(setUpGrew);
    if (first.heapUnderTolerance()) {
      // Under the tolerance in the first run: judged over both runs and the tear-down, as such
      // memory is when something else ran the code again (a leak per call of more than half the
      // tolerance is caught, a first use plus the few KB the tear-down keeps is not).
      mustOutlast.remove(Check.HEAP);
    }
    java.util.Set<Check> excused = java.util.EnumSet.copyOf(mustOutlast);
    excused.removeAll(grewAgain);
    return new Excused(excused, mustOutlast, first.mid().diff(second).nativeGrowth());
  }

  /**
   * What a second run showed.
   *
   * @param checks the checks it excused: they grew in the first run only
   * @param mustOutlast the checks that grew in the first run, not in the set-up code (whose growth
   *     is never excused): what the second run grew of them is a leak only if it outlasts the
   *     tear-down ({@link #end})
   * @param nativeGrowth how much native memory the second run added, from right after the first
   */
  record Excused(
      java.util.Set<Check> checks,
      java.util.Set<Check> mustOutlast,
      dev.noleaks.probe.Reading<Long> nativeGrowth) {}

  /**
   * Every meter right after a full GC, the heap first (before garbage can gather again), without
   * thread stacks; the JIT waited for before the GC when native readings need it.
   */
  private static Readings memoryAfterGc(
      Meters meters, Baseline baseline, ThreadOrigins.Scope scope, List<Finding.Leak> leftToGc) {
    Settings s = baseline.settings();
    if (quietCompiler(meters, s)) {
      Settler.awaitCompilerQuiet(meters);
    }
    // What the code dropped unclosed is closed by this GC's cleaners: read before and after it,
    // so that a GC of NoLeaks' own in the middle of a check does not hide it from the end's rule.
    Readings before = baseline.snapshot();
    List<Descriptor> open =
        s.checks(Check.DESCRIPTORS)
            ? Diff.opened(before.descriptors(), meters.probe().descriptors(), s.ignores())
            : List.of();
    List<JavaThread> live = Meters.threads(true);
    List<JavaThread> alive =
        s.checks(Check.THREADS) ? Diff.started(before.threads(), live, s.ignores()) : List.of();
    // What the code's own threads on their way out hold (a dropped HttpClient's pooled
    // connection, which closes when the client is collected) is judged by the end's linger, not
    // as left to this GC: on jsoup's suite an HttpClient test failed now and then for a pooled
    // socket this GC happened to close. Only beside such threads of the code's own: a socket an
    // HttpURLConnection dropped unread is a leak even while the JDK's keep-alive timer runs.
    Left onTheirWayOut = Left.of(s.lingering(), alive, open, live);
    if (!onTheirWayOut.threads().isEmpty()) {
      open = onTheirWayOut.exceptDescriptors(open);
      alive = onTheirWayOut.exceptThreads(alive);
    }
    // Where they were opened and made is read now: a descriptor's record and a thread's making go
    // with them, and a closed socket leaves the kernel's tables.
    List<OpenDescriptor> openSited = OpenDescriptor.of(open);
    Map<Long, ThreadOrigins.Origin> madeAt = scope.madeAt(alive);
    Settler.collectGarbage();
    Readings after = meters.capture(true, false);
    if (!open.isEmpty() || !alive.isEmpty()) {
      Settler.awaitCleaners(meters, open, alive);
      Rules.closedByGc(openSited, meters.probe().descriptors()).ifPresent(leftToGc::add);
      Rules.stoppedByGc(alive, madeAt, Meters.threads(false)).ifPresent(leftToGc::add);
    }
    return after;
  }

  private static java.util.Set<Check> checksOf(List<? extends Finding> findings) {
    java.util.Set<Check> checks = java.util.EnumSet.noneOf(Check.class);
    findings.forEach(f -> checks.add(f.check()));
    return checks;
  }

  private static java.util.Set<Check> memoryChecks(Settings s) {
    java.util.Set<Check> checks = java.util.EnumSet.noneOf(Check.class);
    checks.addAll(s.checks());
    checks.retainAll(MEMORY);
    return checks;
  }

  /**
   * What the heap can have grown since the baseline, without a GC, when that is at most the
   * tolerance: its growth at the window plus what every thread allocated from the window to {@code
   * now}, which must be under {@link #MAX_DERIVED_ALLOCATION} so nothing was a humongous object G1
   * counts in whole regions. Empty when it may be more, or is not known (a thread ended, the
   * baseline was not read after a GC).
   */
  private static OptionalLong heapBound(Baseline baseline, Allocations now, Settings s) {
    if (!baseline.snapshot().heapExact() || baseline.window() == null) {
      return OptionalLong.empty();
    }
    OptionalLong since = now.since(baseline.window());
    if (since.isEmpty()
        || since.getAsLong() > MAX_DERIVED_ALLOCATION
        || baseline.grownAtWindow() + since.getAsLong() > s.heapTolerance()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(baseline.grownAtWindow() + since.getAsLong());
  }

  /**
   * The end of a check: its readings and rules. With {@code mid} (memory read after a first run
   * whose memory grew, before a second; null when there was none), memory the second run added
   * counts only if it outlasted the tear-down, for the {@code eligible} checks (those that grew in
   * the first run, not in the set-up code): a finding whose check grew by no more than its
   * tolerance from {@code mid} to the end is the first run's alone (on commons-text, under load,
   * GraalJS's first script and the first TLS set-up read above the tolerance right after the second
   * run, and 10 KB above {@code mid} at the end).
   */
  static Judgement end(
      Baseline baseline, Readings mid, java.util.Set<Check> eligible, ThreadOrigins.Scope scope) {
    Meters meters = LeakCheck.meters();
    Judgement judgement = judge(meters, baseline, mid, eligible, scope);
    // The after-snapshot is unreachable now, so the histogram shows the code's objects, not ours.
    List<Finding.Leak> leaks = new ArrayList<>(judgement.leaks());
    if (baseline.histogram().isPresent() && leaks.stream().anyMatch(f -> f.check() == Check.HEAP)) {
      explainHeap(leaks, baseline.histogram().map(Histogram::text), ClassHistogram.takeLive());
    }
    return judgement.withLeaks(leaks);
  }

  /**
   * Native readings wait for the JIT to go idle, unless Native Memory Tracking is on: then the
   * JVM's own malloc, the JIT's arenas included, is subtracted and the wait (20 ms or more per
   * snapshot) buys nothing.
   */
  private static boolean quietCompiler(Meters meters, Settings s) {
    return s.checks(Check.NATIVE) && !meters.nativeExcludesJvm();
  }

  private static Judgement judge(
      Meters meters,
      Baseline baseline,
      Readings mid,
      java.util.Set<Check> eligible,
      ThreadOrigins.Scope scope) {
    // In repeated mode heap and native memory are judged by their trend, not here.
    Settings s = baseline.settings().forSingleRun();
    Optional<Judgement> clean = cleanWithoutGc(meters, baseline, s);
    if (clean.isPresent()) {
      return clean.get();
    }
    Readings before = baseline.snapshot();
    List<Descriptor> openBeforeGc =
        s.checks(Check.DESCRIPTORS)
            ? Settler.openWithoutGc(meters, before, s.ignores(), s.settleTimeout())
            : List.of();
    List<JavaThread> aliveBeforeGc =
        s.checks(Check.THREADS)
            ? Settler.aliveWithoutGc(before, s.ignores(), s.settleTimeout())
            : List.of();
    // Read before the GC, as between the runs (memoryAfterGc)
    List<OpenDescriptor> openBeforeGcSited = OpenDescriptor.of(openBeforeGc);
    Map<Long, ThreadOrigins.Origin> madeBeforeGc = scope.madeAt(aliveBeforeGc);
    Readings after = settle(meters, before, s);
    Left lingering = lingering(before, after, s);
    List<Finding.Leak> leaks = Rules.leaks(before.diff(lingering.removeFrom(after)), s);
    // What lingered before the GC may have gone during a long settle: not the GC's doing alone.
    List<JavaThread> seen = new ArrayList<>(aliveBeforeGc);
    seen.addAll(after.threads());
    Left wasLingering = Left.of(s.lingering(), aliveBeforeGc, openBeforeGc, seen).plus(lingering);
    if (!lingering.threads().isEmpty() && leaks.stream().anyMatch(f -> judgesMemory(f.check()))) {
      // Memory may be held by threads on their way out (an HttpClient's keep its direct buffers
      // until it has shut down): waited for, bounded by the linger, then everything is read again.
      // Not descriptors alone: they hold no memory of their own, and a socket that lingers only
      // because such a thread is alive elsewhere (a static server's keep-alive connection) may
      // never go, which cost 10-14 s in each of eight of jsoup's tests.
      Left.awaitGone(
          meters,
          new Left(lingering.threads(), List.of()),
          System.nanoTime() + s.lingering().linger().toNanos());
      after = settle(meters, before, s);
      lingering = lingering(before, after, s);
      leaks = Rules.leaks(before.diff(lingering.removeFrom(after)), s);
    }
    remember(meters, baseline, after); // after was the last capture
    if (mid != null) {
      Diff second = mid.diff(lingering.removeFrom(after));
      Settings memory = s.withChecks(memoryChecks(s));
      java.util.Set<Check> outlasted = checksOf(Rules.leaks(second, memory));
      // Memory that stayed under its tolerance in the first run (a heap that ran again for half
      // of it, FirstRun#heapUnderTolerance, or any memory when something else ran the code again)
      // is judged over both runs, so a leak of more than half the tolerance per run is caught;
      // but then the second run must have added more than half as well: a first use just under
      // the tolerance (commons-csv's first JDBC test, +486-518 KB of native memory, a run in four
      // over 512 KB with the second run's few KB) is not a leak that grew again.
      java.util.Set<Check> underInFirst = memoryChecks(s);
      underInFirst.removeAll(checksOf(Rules.leaks(before.diff(mid), memory)));
      java.util.Set<Check> grewInSecond =
          checksOf(Rules.leaks(second, memory.withHalfTolerances()));
      leaks =
          leaks.stream()
              .filter(
                  f ->
                      eligible.contains(f.check())
                          ? outlasted.contains(f.check())
                          : !underInFirst.contains(f.check()) || grewInSecond.contains(f.check()))
              .toList();
    }
    List<Finding.Leak> all = new ArrayList<>(leaks);
    // What went away by itself after lingering was not the GC's doing alone.
    List<Descriptor> notLingering = wasLingering.exceptDescriptors(openBeforeGc);
    Rules.closedByGc(
            openBeforeGcSited.stream().filter(d -> notLingering.contains(d.descriptor())).toList(),
            after.descriptors())
        .ifPresent(all::add);
    Rules.stoppedByGc(wasLingering.exceptThreads(aliveBeforeGc), madeBeforeGc, after.threads())
        .ifPresent(all::add);
    return new Judgement(
        all, Rules.unavailable(after, baseline.settings()), after, OptionalLong.empty(), lingering);
  }

  private static Readings settle(Meters meters, Readings before, Settings s) {
    return Settler.settleUntil(
        meters,
        s.settleTimeout(),
        quietCompiler(meters, s),
        candidate -> settleState(candidate, Rules.leaks(before.diff(candidate), s)));
  }

  /**
   * What the JDK shuts down by itself later than settling waits: judged later ({@link Lingering}).
   */
  private static Left lingering(Readings before, Readings after, Settings s) {
    return Left.of(
        s.lingering(),
        s.checks(Check.THREADS)
            ? Diff.started(before.threads(), after.threads(), s.ignores())
            : List.of(),
        s.checks(Check.DESCRIPTORS)
            ? Diff.opened(before.descriptors(), after.descriptors(), s.ignores())
            : List.of(),
        after.threads());
  }

  /**
   * The verdict of a clean check without a GC, when a GC and settling could not change it: no new
   * descriptor, thread or buffer and no native growth above the tolerance before any GC (a GC and
   * settling only ever release these), and the code under test allocated too little for the heap to
   * have grown above its tolerance. The heap can hold after the code ran at most what it held
   * before plus what all threads allocated in between, so if that is at most the tolerance, and
   * under {@link #MAX_DERIVED_ALLOCATION} so nothing was a humongous object G1 counts in whole
   * regions, the heap check passes whatever a GC would read. Not when a thread ended in between
   * (its bytes went with it). Empty when the full check must run; it then starts from scratch.
   */
  private static Optional<Judgement> cleanWithoutGc(Meters meters, Baseline baseline, Settings s) {
    Readings before = baseline.snapshot();
    boolean heap = s.checks(Check.HEAP);
    if (heap && (!before.heapExact() || baseline.window() == null)) {
      return Optional.empty();
    }
    Readings now = meters.capture(false, false, true);
    long allocated = 0;
    if (heap) {
      OptionalLong bound = heapBound(baseline, meters.allocationsAtLastCapture(), s);
      if (bound.isEmpty()) {
        return Optional.empty();
      }
      allocated = bound.getAsLong();
    }
    Settings withoutHeap = s.without(Check.HEAP);
    if (!Rules.leaks(before.diff(now), withoutHeap).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Judgement(
            List.of(),
            // The heap was read without a GC here, but could be after one: unavailable only when
            // System.gc() is disabled. Native memory is listed in repeated mode too.
            Rules.unavailable(
                now.withHeap(now.heapUsed(), meters.explicitGcWorks()), baseline.settings()),
            now,
            heap ? OptionalLong.of(allocated) : OptionalLong.empty(),
            Left.NONE));
  }

  /**
   * Replaces a heap finding with one naming the classes that grew from one histogram to another.
   */
  private static void explainHeap(
      List<Finding.Leak> findings, Optional<String> before, Optional<String> after) {
    for (int i = 0; i < findings.size(); i++) {
      if (findings.get(i) instanceof Finding.HeapGrew heap
          && before.isPresent()
          && after.isPresent()) {
        List<ClassHistogram.Growth> grown =
            ClassHistogram.parse(after.get())
                .grownSince(ClassHistogram.parseKept(before.get()), Rules.TOP_CLASSES);
        findings.set(i, heap.withClasses(grown));
      }
    }
  }

  /**
   * The judgement with what holds its heap and buffer leaks, from a dump of the live heap ({@link
   * HeapPaths}; a buffer is a {@code DirectByteBuffer} on the heap), compared with {@code before}
   * when a first run left one: last, once the verdict is known, since the dumps and their analysis
   * take a second or two and only a leak pays for them. Buffers whose growth between the runs is
   * all held through a pool's own structures ({@code pools}: {@link Ignores#pools}) are that
   * pool's, in a note, not a leak.
   */
  static Judgement withHeldBy(
      Judgement judgement, HeapDump setting, List<String> pools, Optional<HeapPaths.Dump> before) {
    List<Finding.Leak> findings = new ArrayList<>();
    List<String> pooled = new ArrayList<>();
    for (Finding.Leak f : judgement.leaks()) {
      Finding.Leak told = f;
      if (f instanceof Finding.HeapGrew heap) {
        Optional<HeapPaths.Outcome> held = HeapPaths.of(heap.classes(), setting, before);
        if (held.isPresent()) {
          told = heap.withHeldBy(held.get());
        }
      } else if (f instanceof Finding.BuffersGrew buffers) {
        Optional<HeapPaths.Outcome> held =
            HeapPaths.ofBuffers(buffers.pool(), buffers.more(), pools, setting, before);
        if (held.isPresent() && held.get().pooledOnly()) {
          // All the second run grew went into a pool's own structures (an event loop's magazine
          // of a Netty allocator whose figure NoLeaks does not read): kept for reuse.
          pooled.add(Messages.heldByAPool(buffers, held.get()));
          told = null;
        } else if (held.isPresent()) {
          told = buffers.withHeldBy(held.get());
        }
      }
      if (told != null) {
        findings.add(told);
      }
    }
    Judgement shown = judgement.withLeaks(findings);
    for (String note : pooled) {
      shown = shown.with(List.of(), Optional.of(note));
    }
    return shown;
  }

  /**
   * Native growth without Native Memory Tracking may be the JIT's pooled arenas, handed back to
   * malloc only every 5 s, so it is waited out; with it, native readings are steady.
   */
  private static Settler.State settleState(Readings candidate, List<Finding.Leak> leaks) {
    if (leaks.isEmpty()) {
      return Settler.State.CLEAN;
    }
    boolean drifting =
        !candidate.jvmMalloc().isAvailable()
            && leaks.stream().anyMatch(f -> f.check() == Check.NATIVE);
    return drifting ? Settler.State.DRIFTING : Settler.State.LEFTOVERS;
  }

  /** Keeps the final reading of a check for the next one's heap baseline, when it is exact. */
  private static void remember(Meters meters, Baseline baseline, Readings after) {
    Allocations allocated = meters.allocationsAtLastCapture();
    Chain prior = LAST.get();
    // A baseline rebased after its first run holds a newer histogram than the chain's, whose
    // text, counted in this reading, is garbage from here on.
    long dropped =
        prior != null
                && baseline.histogram().isPresent()
                && prior.histogram() != baseline.histogram().get()
            ? ClassHistogram.retainedBytes(prior.histogram().text())
            : 0;
    LAST.set(
        after.heapExact() && allocated != null && baseline.histogram().isPresent()
            ? new Chain(after.heapUsed() - dropped, allocated, baseline.histogram().get())
            : null);
  }
}
