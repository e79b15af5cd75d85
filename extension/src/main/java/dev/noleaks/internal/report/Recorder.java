package dev.noleaks.internal.report;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands each checked test's {@link Recorded} from the extension to the report's launcher listener,
 * within the JVM: the extension and the listener are loaded apart (one by Jupiter, one by the
 * launcher) and share nothing else. The extension records a test when its check ends; the listener
 * takes it when the launcher says the test finished, so a launcher run inside a test (a test kit)
 * takes its own tests and the outer run never sees them. Nothing is kept while no listener runs.
 */
public final class Recorder {

  private static final Map<String, Recorded> WAITING = new ConcurrentHashMap<>();
  private static final AtomicInteger LISTENERS = new AtomicInteger();
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private Recorder() {}

  /** Whether a listener will take what is recorded: else the extension need not build it. */
  public static boolean listening() {
    return LISTENERS.get() > 0;
  }

  /** The next number in run order. */
  public static long next() {
    return SEQUENCE.incrementAndGet();
  }

  /** Keeps a test's record until its listener takes it. */
  public static void record(Recorded recorded) {
    if (listening()) {
      WAITING.put(recorded.uniqueId(), recorded);
    }
  }

  /** The record of a test that finished, if NoLeaks checked it. */
  public static Optional<Recorded> take(String uniqueId) {
    return Optional.ofNullable(WAITING.remove(uniqueId));
  }

  /** A listener starts taking records. */
  public static void listenerStarted() {
    LISTENERS.incrementAndGet();
  }

  /**
   * A listener stopped; when it was the last, records no launcher will ever take are dropped (tests
   * run by a test kit without a launcher).
   */
  public static void listenerFinished() {
    if (LISTENERS.decrementAndGet() == 0) {
      WAITING.clear();
    }
  }
}
