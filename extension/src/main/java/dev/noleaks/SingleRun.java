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

  static Baseline begin(Settings s) {
    Meters meters = Meters.get();
    Settler.collectGarbage();
    if (quietCompiler(meters, s)) {
      Settler.awaitCompilerQuiet(meters);
    }
    List<String> histogram = new ArrayList<>(1);
    Snapshot before =
        meters.baseline(
            () -> {
              // Repeated mode explains heap growth from histograms of its own runs.
              if (s.checks(Check.HEAP) && !s.repeated()) {
                ClassHistogram.take().ifPresent(histogram::add);
              }
              return histogram.stream().mapToLong(ClassHistogram::retainedBytes).sum();
            });
    return new Baseline(s, before, histogram.stream().findFirst());
  }

  static Judgement end(Baseline baseline) {
    Judgement judgement = judge(baseline);
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

  private static Judgement judge(Baseline baseline) {
    // In repeated mode heap and native memory are judged by their trend, not here.
    Settings s = NoLeaksExtension.singleRun(baseline.settings());
    Snapshot before = baseline.snapshot();
    Meters meters = Meters.get();
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
