package dev.noleaks;

import dev.noleaks.probe.Descriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The single-run measurement without JUnit: a settled baseline, then, after the code ran, a settled
 * snapshot judged by {@link Rules}. {@link NoLeaksExtension}'s beforeEach and afterEach and the
 * fluent assertions both run it.
 */
final class SingleRun {

  /** The baseline and what explaining a heap leak needs. */
  record Baseline(Settings settings, Snapshot snapshot, Optional<String> histogram) {}

  /**
   * Leaks found (heap findings name the classes that grew), meters that were unavailable, and the
   * after-snapshot's readings for reports.
   */
  record Judgement(List<Finding> leaks, List<Finding> unavailable, String afterReadings) {}

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
    return measureHeap(Meters.get(), resources);
  }

  static Baseline measureHeap(Meters meters, Baseline resources) {
    Settings s = resources.settings();
    if (!s.checks(Check.HEAP) || s.repeated()) {
      return resources;
    }
    Settler.collectGarbage();
    long heap = meters.heapUsed();
    Optional<String> histogram = ClassHistogram.take();
    long kept = histogram.map(ClassHistogram::retainedBytes).orElse(0L);
    Snapshot before = resources.snapshot().withHeap(heap + kept, meters.explicitGcWorks());
    return new Baseline(s, before, histogram);
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
    List<Finding> leaks = new ArrayList<>(Rules.leaks(before.diff(after), s));
    Rules.closedByGc(openBeforeGc, after.descriptors()).ifPresent(leaks::add);
    return new Judgement(
        leaks, Rules.unavailable(after, baseline.settings()), Verdicts.readings(after));
  }
}
