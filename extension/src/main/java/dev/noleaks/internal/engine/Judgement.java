package dev.noleaks.internal.engine;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.measure.Concurrency;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Leaks found (heap findings name the classes that grew), meters that were unavailable, the
 * after-snapshot's readings for reports, and notes on how the check ran (a second run, and what its
 * first kept), shown with the findings and as report entries.
 */
public record Judgement(
    List<Finding> leaks,
    List<Finding> unavailable,
    String afterReadings,
    int neighbours,
    List<String> notes,
    Left lingering) {

  public Judgement {
    notes = List.copyOf(notes);
  }

  Judgement(List<Finding> leaks, List<Finding> unavailable, String afterReadings) {
    this(leaks, unavailable, afterReadings, 0, List.of(), Left.NONE);
  }

  Judgement(List<Finding> leaks, List<Finding> unavailable, String afterReadings, Left lingering) {
    this(leaks, unavailable, afterReadings, 0, List.of(), lingering);
  }

  /** This judgement without the leaks {@code blamed} elsewhere. */
  public Judgement without(java.util.function.Predicate<Finding> blamed) {
    return new Judgement(
        leaks.stream().filter(blamed.negate()).toList(),
        unavailable,
        afterReadings,
        neighbours,
        notes,
        lingering);
  }

  /** This judgement with {@code more} findings (leaks, or meters not measured) and a note. */
  public Judgement with(List<Finding> more, Optional<String> note) {
    List<Finding> all = new ArrayList<>(leaks);
    List<Finding> notMeasured = new ArrayList<>(unavailable);
    for (Finding f : more) {
      (f.leak() ? all : notMeasured).add(f);
    }
    List<String> allNotes = new ArrayList<>(notes);
    note.ifPresent(allNotes::add);
    return new Judgement(all, notMeasured, afterReadings, neighbours, allNotes, lingering);
  }

  /**
   * This judgement once what was lingering has been waited for: {@code stillThere} (what was still
   * there after the linger) is a leak, the rest is gone.
   */
  public Judgement lingeringJudged(Optional<Finding> stillThere) {
    List<Finding> all = new ArrayList<>(leaks);
    stillThere.ifPresent(all::add);
    return new Judgement(all, unavailable, afterReadings, neighbours, notes, Left.NONE);
  }

  /**
   * This judgement when {@code neighbours} other tests ran beside the check: no leak, and every
   * check it made is unavailable, saying why.
   */
  Judgement disturbed(Settings s, int neighbours) {
    List<Finding> notMeasured = new ArrayList<>();
    for (Check c : s.checks()) {
      notMeasured.add(Finding.unavailable(c, c.key(), Concurrency.reason(neighbours)));
    }
    return new Judgement(List.of(), notMeasured, afterReadings, neighbours, List.of(), Left.NONE);
  }
}
