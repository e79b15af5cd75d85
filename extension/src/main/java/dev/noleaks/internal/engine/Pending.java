package dev.noleaks.internal.engine;

import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the passed tests of one class left on their way out, to be checked again at the end of the
 * class: a thread that stops or a socket that closes a few hundred milliseconds after its test is
 * not waited for after each test, only once, when the class ends. The caller keeps one per class
 * (the extension in the class's JUnit store) and hands it to {@link LeakCheck#end(Pending,
 * String)}.
 */
public final class Pending {

  /** What one test left, and until when it may take to go. */
  private record Leftovers(String test, Left left, long deadlineNanos, Settings settings) {}

  /**
   * A test whose leftovers were still there after its linger.
   *
   * @param test the test as people find it
   * @param stillThere the leak: what was still there
   * @param warnOnly whether the test's settings only warn
   */
  public record Overdue(String test, Finding stillThere, boolean warnOnly) {}

  private final ConcurrentLinkedQueue<Leftovers> leftovers = new ConcurrentLinkedQueue<>();

  void add(String test, Left left, long deadlineNanos, Settings settings) {
    leftovers.add(new Leftovers(test, left, deadlineNanos, settings));
  }

  /**
   * Waits for each test's leftovers until its deadline, and returns the tests whose threads or
   * descriptors are still there. Nothing is pending afterwards.
   */
  public List<Overdue> overdue() {
    List<Overdue> late = new ArrayList<>();
    for (Leftovers p = leftovers.poll(); p != null; p = leftovers.poll()) {
      Left remains = Left.awaitGone(LeakCheck.meters(), p.left(), p.deadlineNanos());
      if (!remains.isEmpty()) {
        Finding f = Left.stillThere(remains, p.settings().lingering().linger());
        late.add(new Overdue(p.test(), f, p.settings().warnOnly()));
      }
    }
    return late;
  }
}
