package dev.noleaks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The single-run measurement without JUnit: a settled baseline, then, after the code ran, a settled
 * snapshot judged by {@link Rules}. The fluent assertions use it; it takes the same steps as {@link
 * NoLeaksExtension}'s beforeEach and afterEach.
 */
final class SingleRun {

  /** The baseline and what explaining a heap leak needs. */
  record Baseline(Settings settings, Snapshot snapshot, Optional<String> histogram) {}

  /** Leaks found (heap findings name the classes that grew) and meters that were unavailable. */
  record Judgement(List<Finding> leaks, List<Finding> unavailable) {}

  private SingleRun() {}

  static Baseline begin(Settings s) {
    Meters meters = Meters.get();
    Settler.collectGarbage();
    if (s.checks(Check.NATIVE)) {
      Settler.awaitCompilerQuiet(meters);
    }
    List<String> histogram = new ArrayList<>(1);
    Snapshot before =
        meters.baseline(
            () -> {
              if (s.checks(Check.HEAP)) {
                ClassHistogram.take().ifPresent(histogram::add);
              }
            });
    return new Baseline(s, before, histogram.stream().findFirst());
  }

  static Judgement end(Baseline baseline) {
    Judgement judgement = judge(baseline);
    // The after-snapshot is unreachable now, so the histogram shows the code's objects, not ours.
    List<Finding> leaks = new ArrayList<>(judgement.leaks());
    NoLeaksExtension.explainHeap(leaks, baseline.histogram());
    return new Judgement(leaks, judgement.unavailable());
  }

  private static Judgement judge(Baseline baseline) {
    Settings s = baseline.settings();
    Snapshot before = baseline.snapshot();
    Snapshot after =
        Settler.settleUntil(
            Meters.get(),
            s.settleTimeout(),
            s.checks(Check.NATIVE),
            candidate ->
                NoLeaksExtension.settleState(candidate, Rules.leaks(before.diff(candidate), s)));
    return new Judgement(Rules.leaks(before.diff(after), s), Rules.unavailable(after, s));
  }
}
