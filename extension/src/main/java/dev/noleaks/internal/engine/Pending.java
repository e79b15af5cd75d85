package dev.noleaks.internal.engine;

import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.measure.Meters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What a passed test left on its way out, to be checked again at the end of its class.
 *
 * @param test the test as people find it
 * @param owner the class's unique id
 * @param left what it left
 * @param deadlineNanos when it must be gone ({@link System#nanoTime})
 * @param settings the test's settings (warn mode, the linger)
 */
public record Pending(String test, String owner, Left left, long deadlineNanos, Settings settings) {

  private static final ConcurrentLinkedQueue<Pending> PENDING = new ConcurrentLinkedQueue<>();

  public static void defer(Pending pending) {
    PENDING.add(pending);
  }

  /**
   * The pending checks of one class, each waited for until its deadline: those whose threads or
   * descriptors are still there, with what remains. They are no longer pending afterwards.
   */
  public static List<Pending> overdue(Meters meters, String owner) {
    List<Pending> late = new ArrayList<>();
    for (Pending p : PENDING) {
      if (!p.owner().equals(owner)) {
        continue;
      }
      PENDING.remove(p);
      Left remains = Left.awaitGone(meters, p.left(), p.deadlineNanos());
      if (!remains.isEmpty()) {
        late.add(new Pending(p.test(), owner, remains, p.deadlineNanos(), p.settings()));
      }
    }
    return late;
  }
}
