package dev.noleaks.internal.engine;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.report.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Leaks found (heap findings name the classes that grew), meters that were unavailable, the
 * after-snapshot's readings for reports, notes on how the check ran (a second run, and what its
 * first kept), shown with the findings and as report entries, and what a first run alone kept
 * ({@code retainedOnce}: a first use, not a leak; a note says so too).
 *
 * @param after the after-snapshot's readings; its heap was read without a GC when {@code heapBound}
 *     is present, which is then the most the heap can have grown (see {@code SingleRun})
 */
public record Judgement(
    List<Finding.Leak> leaks,
    List<Finding.Unavailable> unavailable,
    Readings after,
    OptionalLong heapBound,
    int neighbours,
    List<String> notes,
    List<Finding.Leak> retainedOnce,
    Left lingering) {

  public Judgement {
    leaks = List.copyOf(leaks);
    unavailable = List.copyOf(unavailable);
    notes = List.copyOf(notes);
    retainedOnce = List.copyOf(retainedOnce);
  }

  Judgement(List<Finding.Leak> leaks, List<Finding.Unavailable> unavailable, Readings after) {
    this(leaks, unavailable, after, OptionalLong.empty(), 0, List.of(), List.of(), Left.NONE);
  }

  Judgement(
      List<Finding.Leak> leaks,
      List<Finding.Unavailable> unavailable,
      Readings after,
      OptionalLong heapBound,
      Left lingering) {
    this(leaks, unavailable, after, heapBound, 0, List.of(), List.of(), lingering);
  }

  /** The after-snapshot's readings in one line, for report entries. */
  public String afterReadings() {
    return heapBound.isPresent()
        ? Messages.readings(after, heapBound.getAsLong())
        : Messages.readings(after);
  }

  /** This judgement without the leaks {@code blamed} elsewhere. */
  public Judgement without(java.util.function.Predicate<Finding> blamed) {
    return new Judgement(
        leaks.stream().filter(blamed.negate()).toList(),
        unavailable,
        after,
        heapBound,
        neighbours,
        notes,
        retainedOnce,
        lingering);
  }

  /** This judgement with these leaks instead of its own. */
  Judgement withLeaks(List<Finding.Leak> replaced) {
    return new Judgement(
        replaced, unavailable, after, heapBound, neighbours, notes, retainedOnce, lingering);
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
    return new Judgement(
        all, notMeasured, after, heapBound, neighbours, allNotes, retainedOnce, lingering);
  }

  /**
   * This judgement with what a first run alone kept ({@code kept}, not leaks) and the note that
   * says so.
   */
  Judgement retainedOnce(List<? extends Finding.Leak> kept, String note) {
    List<Finding.Leak> all = new ArrayList<>(retainedOnce);
    all.addAll(kept);
    List<String> allNotes = new ArrayList<>(notes);
    allNotes.add(note);
    return new Judgement(
        leaks, unavailable, after, heapBound, neighbours, allNotes, all, lingering);
  }

  /**
   * This judgement once what was lingering has been waited for: {@code stillThere} (what was still
   * there after the linger) is a leak, the rest is gone.
   */
  public Judgement lingeringJudged(Optional<Finding.StillThere> stillThere) {
    List<Finding.Leak> all = new ArrayList<>(leaks);
    stillThere.ifPresent(all::add);
    return new Judgement(
        all, unavailable, after, heapBound, neighbours, notes, retainedOnce, Left.NONE);
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
    return new Judgement(
        List.of(), notMeasured, after, heapBound, neighbours, List.of(), List.of(), Left.NONE);
  }
}
