package dev.noleaks.internal.engine;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Leaks found (heap findings name the classes that grew), meters that were unavailable, the
 * after-snapshot's readings for reports, and notes on how the check ran (a second run, and what its
 * first kept), shown with the findings and as report entries.
 */
public record Judgement(
    List<Finding.Leak> leaks,
    List<Finding.Unavailable> unavailable,
    String afterReadings,
    int neighbours,
    List<String> notes,
    Left lingering) {

  public Judgement {
    leaks = List.copyOf(leaks);
    unavailable = List.copyOf(unavailable);
    notes = List.copyOf(notes);
  }

  Judgement(List<Finding.Leak> leaks, List<Finding.Unavailable> unavailable, String afterReadings) {
    this(leaks, unavailable, afterReadings, 0, List.of(), Left.NONE);
  }

  Judgement(
      List<Finding.Leak> leaks,
      List<Finding.Unavailable> unavailable,
      String afterReadings,
      Left lingering) {
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

  /** This judgement with these leaks instead of its own. */
  Judgement withLeaks(List<Finding.Leak> replaced) {
    return new Judgement(replaced, unavailable, afterReadings, neighbours, notes, lingering);
  }

  /** This judgement with {@code more} findings (leaks, or meters not measured) and a note. */
  public Judgement with(List<? extends Finding> more, Optional<String> note) {
    List<Finding.Leak> all = new ArrayList<>(leaks);
    List<Finding.Unavailable> notMeasured = new ArrayList<>(unavailable);
    for (Finding f : more) {
      if (f instanceof Finding.Leak leak) {
        all.add(leak);
      } else {
        notMeasured.add((Finding.Unavailable) f);
      }
    }
    List<String> allNotes = new ArrayList<>(notes);
    note.ifPresent(allNotes::add);
    return new Judgement(all, notMeasured, afterReadings, neighbours, allNotes, lingering);
  }

  /**
   * This judgement once what was lingering has been waited for: {@code stillThere} (what was still
   * there after the linger) is a leak, the rest is gone.
   */
  public Judgement lingeringJudged(Optional<Finding.StillThere> stillThere) {
    List<Finding.Leak> all = new ArrayList<>(leaks);
    stillThere.ifPresent(all::add);
    return new Judgement(all, unavailable, afterReadings, neighbours, notes, Left.NONE);
  }

  /**
   * This judgement when {@code neighbours} other tests ran beside the check: no leak, and every
   * check it made is unavailable, saying why.
   */
  Judgement disturbed(Settings s, int neighbours) {
    List<Finding.Unavailable> notMeasured = new ArrayList<>();
    for (Check c : s.checks()) {
      notMeasured.add(new Finding.Unavailable(c, new Finding.Disturbed(neighbours)));
    }
    return new Judgement(List.of(), notMeasured, afterReadings, neighbours, List.of(), Left.NONE);
  }
}
