package dev.noleaks;

import dev.noleaks.probe.Descriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The single-run measurement without JUnit: a settled baseline, then, after the code ran, a settled
 * snapshot judged by {@link Rules}. {@link NoLeaksExtension}'s beforeEach and afterEach and the
 * fluent assertions both run it.
 */
final class SingleRun {

  /**
   * The baseline and what explaining a heap leak needs: the class histogram, and the heap figure
   * when it was taken (earlier than this baseline's when the heap figure was derived).
   */
  record Baseline(
      Settings settings, Snapshot snapshot, Optional<String> histogram, long heapAtHistogram) {
    Baseline(Settings settings, Snapshot snapshot, Optional<String> histogram) {
      this(settings, snapshot, histogram, snapshot.heapUsed());
    }
  }

  /**
   * Leaks found (heap findings name the classes that grew), meters that were unavailable, and the
   * after-snapshot's readings for reports.
   */
  record Judgement(List<Finding> leaks, List<Finding> unavailable, String afterReadings) {}

  /**
   * The last settled reading of a finished check on one thread, from which the next check's heap
   * baseline can be derived without a GC of its own.
   *
   * @param heapUsed heap used right after its full GC
   * @param allocated every thread's allocation counter right after that heap reading
   * @param histogram the class histogram of the last baseline that ran a GC, for explanations
   * @param heapAtHistogram that baseline's heap figure
   */
  private record Chain(
      long heapUsed, Allocations allocated, String histogram, long heapAtHistogram) {}

  private static final AtomicReference<Chain> LAST = new AtomicReference<>();

  /**
   * Below half of G1's smallest region (1 MB), so nothing allocated in between was a humongous
   * object, which G1 counts in whole regions: the heap then grew by at most the bytes allocated.
   */
  static final long MAX_DERIVED_ALLOCATION = 256 * 1024;

  private SingleRun() {}

  /** Both halves of the baseline at once, for code with no set-up between them. */
  static Baseline begin(Settings s) {
    return measureHeap(beginResources(s));
  }

  /**
   * Descriptors, threads, buffer pools and native memory, read before any set-up code, so that a
   * resource a {@code @BeforeEach} method opens and nothing closes is the test's leak. No GC:
   * garbage freed later can only lower these meters, and the heap is read separately by {@link
   * #measureHeap}.
   */
  static Baseline beginResources(Settings s) {
    return beginResources(Meters.get(), s);
  }

  static Baseline beginResources(Meters meters, Settings s) {
    if (quietCompiler(meters, s)) {
      Settler.awaitCompilerQuiet(meters);
    }
    return new Baseline(s, meters.capture(false, false), Optional.empty());
  }

  /**
   * Adds the heap to a resource baseline, right before the code under test: a full GC, the heap
   * used, and (single run) the class histogram that explains growth. Read after set-up, so a
   * fixture a {@code @BeforeEach} method keeps in the test instance is there before and after, not
   * growth. Everything the baseline holds was allocated before the heap was read but the histogram
   * text, which is added. Repeated mode and checks without the heap need no GC here.
   */
  static Baseline measureHeap(Baseline resources) {
    return measureHeap(Meters.get(), resources, false);
  }

  /**
   * As {@link #measureHeap(Baseline)}; with {@code mayDerive}, the heap figure may instead be
   * derived from the last check's final reading, saving the full GC that is most of a clean test's
   * cost: the heap can hold at most what it held after that GC plus what all threads have allocated
   * since (JUnit's bookkeeping, NoLeaks' own readings, set-up code: ~220 KB between two small
   * tests, measured), so that sum is the baseline. It can only overstate the baseline, so growth is
   * never overstated, and understated by at most what was allocated in between, which must be under
   * half the tolerance and under {@link #MAX_DERIVED_ALLOCATION}. Not derived when a thread has
   * ended since (its allocations went with it), under parallel execution (pass {@code false}), or
   * when the heap after the last check had moved more than a quarter of the tolerance from the last
   * class histogram's, which then no longer explains growth well; the baseline then runs a GC and
   * takes a new histogram.
   */
  static Baseline measureHeap(Meters meters, Baseline resources, boolean mayDerive) {
    Settings s = resources.settings();
    if (!s.checks(Check.HEAP) || s.repeated()) {
      return resources;
    }
    if (mayDerive) {
      Optional<Baseline> derived = derive(meters, resources);
      if (derived.isPresent()) {
        return derived.get();
      }
    }
    // The last histogram's text is garbage from here on, not part of the baseline (derive() has
    // returned, so no local variable holds it through the GC).
    LAST.set(null);
    Settler.collectGarbage();
    long heap = meters.heapUsed();
    Optional<String> histogram = ClassHistogram.take();
    long kept = histogram.map(ClassHistogram::retainedBytes).orElse(0L);
    Snapshot before = resources.snapshot().withHeap(heap + kept, meters.explicitGcWorks());
    return new Baseline(s, before, histogram);
  }

  /** The heap baseline derived from the last check's final reading, when that is sound. */
  private static Optional<Baseline> derive(Meters meters, Baseline resources) {
    Settings s = resources.settings();
    Chain last = LAST.get();
    if (last == null || !meters.explicitGcWorks()) {
      return Optional.empty();
    }
    OptionalLong allocated = meters.allocations().since(last.allocated());
    if (allocated.isEmpty()) {
      return Optional.empty(); // a thread ended: what it allocated is not known
    }
    long since = allocated.getAsLong();
    if (since < 0
        || since > Math.min(s.heapTolerance() / 2, MAX_DERIVED_ALLOCATION)
        || Math.abs(last.heapUsed() - last.heapAtHistogram()) > s.heapTolerance() / 4) {
      return Optional.empty();
    }
    return Optional.of(
        new Baseline(
            s,
            resources.snapshot().withHeap(last.heapUsed() + since, true),
            Optional.of(last.histogram()),
            last.heapAtHistogram()));
  }

  static Judgement end(Baseline baseline) {
    return end(Meters.get(), baseline);
  }

  static Judgement end(Meters meters, Baseline baseline) {
    Judgement judgement = judge(meters, baseline);
    // The after-snapshot is unreachable now, so the histogram shows the code's objects, not ours.
    List<Finding> leaks = new ArrayList<>(judgement.leaks());
    NoLeaksExtension.explainHeap(leaks, baseline.histogram());
    return new Judgement(leaks, judgement.unavailable(), judgement.afterReadings());
  }

  /**
   * Native readings wait for the JIT to go idle, unless Native Memory Tracking is on: then the
   * JVM's own malloc, the JIT's arenas included, is subtracted and the wait (20 ms or more per
   * snapshot) buys nothing.
   */
  private static boolean quietCompiler(Meters meters, Settings s) {
    return s.checks(Check.NATIVE) && !meters.nativeExcludesJvm();
  }

  private static Judgement judge(Meters meters, Baseline baseline) {
    // In repeated mode heap and native memory are judged by their trend, not here.
    Settings s = NoLeaksExtension.singleRun(baseline.settings());
    Snapshot before = baseline.snapshot();
    List<Descriptor> openBeforeGc =
        s.checks(Check.DESCRIPTORS)
            ? Settler.openWithoutGc(meters, before, s.ignores(), s.settleTimeout())
            : List.of();
    Snapshot after =
        Settler.settleUntil(
            meters,
            s.settleTimeout(),
            quietCompiler(meters, s),
            candidate ->
                NoLeaksExtension.settleState(candidate, Rules.leaks(before.diff(candidate), s)));
    remember(meters, baseline, after); // after was the last capture
    List<Finding> leaks = new ArrayList<>(Rules.leaks(before.diff(after), s));
    Rules.closedByGc(openBeforeGc, after.descriptors()).ifPresent(leaks::add);
    return new Judgement(
        leaks, Rules.unavailable(after, baseline.settings()), Verdicts.readings(after));
  }

  /** Keeps the final reading of a check for the next one's heap baseline, when it is exact. */
  private static void remember(Meters meters, Baseline baseline, Snapshot after) {
    Allocations allocated = meters.allocationsAtLastCapture();
    LAST.set(
        after.heapExact() && allocated != null && baseline.histogram().isPresent()
            ? new Chain(
                after.heapUsed(), allocated, baseline.histogram().get(), baseline.heapAtHistogram())
            : null);
  }
}
