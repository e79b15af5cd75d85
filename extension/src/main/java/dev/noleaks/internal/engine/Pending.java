package dev.noleaks.internal.engine;

import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.measure.Settler;
import dev.noleaks.internal.measure.ThreadOrigins;
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
  private final Object ownerBefore;

  /**
   * The class starts, on the current thread: the threads its class set-up makes (a static server
   * and its event loops) are the class's ({@link ThreadOrigins}), so what they make while a test
   * runs is not that test's leak.
   *
   * @param name the class as people find it
   */
  public Pending(String name) {
    ownerBefore = ThreadOrigins.enter(new ThreadOrigins.Owner("the class set-up of " + name));
  }

  void add(String test, Left left, long deadlineNanos, Settings settings) {
    leftovers.add(new Leftovers(test, left, deadlineNanos, settings));
  }

  /**
   * Waits for each test's leftovers until its deadline, and returns the tests whose threads or
   * descriptors are still there. Nothing is pending afterwards. Call once, when the class ends, on
   * the thread it started on.
   */
  public List<Overdue> overdue() {
    ThreadOrigins.restore(ownerBefore);
    List<Overdue> late = new ArrayList<>();
    if (!leftovers.isEmpty()) {
      // What lingers goes once its owner is collected (an HttpClient's threads end after a GC
      // finds it unreachable), and the owner may have become unreachable after the last GC: a
      // client one test kept in a static and the next let go of went after 4.5 s with this GC,
      // 15-17 s without (some later GC). Once on jsoup, a client a static parser held until a
      // later test parsed again was still there 12 s after its test and failed the class.
      Settler.collectGarbage();
    }
    for (Leftovers next = leftovers.poll(); next != null; next = leftovers.poll()) {
      Leftovers p = next;
      p.left()
          .stillThereAt(LeakCheck.meters(), p.deadlineNanos(), p.settings().lingering().linger())
          .ifPresent(f -> late.add(new Overdue(p.test(), f, p.settings().warnOnly())));
    }
    return late;
  }
}
