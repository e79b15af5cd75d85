package dev.noleaks.assertions;

import static org.awaitility.Awaitility.await;

import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.engine.LeakCheck;
import dev.noleaks.internal.measure.HeapPaths;
import dev.noleaks.internal.report.Messages;
import java.lang.ref.Reference;
import java.lang.ref.SoftReference;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Assertions on a {@link Reference}: {@code assertThat(new WeakReference<>(session))
 * .isGarbageCollected()}. Obtain it from {@link MemoryAssertions#assertThat(Reference)}.
 *
 * <p>Waiting polls in the calling thread (no extra threads), running {@code System.gc()} between
 * polls, bounded by {@link #within(Duration)} (default {@value #DEFAULT_WITHIN_SECONDS} s).
 */
public final class ReferenceAssert extends AbstractAssert<ReferenceAssert, Reference<?>> {

  static final int DEFAULT_WITHIN_SECONDS = 5;

  /** Between collections: a full GC of a test-sized heap takes 5–30 ms. */
  private static final Duration POLL = Duration.ofMillis(10);

  private Duration within = Duration.ofSeconds(DEFAULT_WITHIN_SECONDS);

  ReferenceAssert(Reference<?> actual) {
    super(actual, ReferenceAssert.class);
  }

  /** How long {@link #isGarbageCollected()} waits at most. */
  public ReferenceAssert within(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("within: " + timeout + " is not valid; expected > 0");
    }
    this.within = timeout;
    return myself;
  }

  /**
   * Verifies that the referent becomes unreachable and is cleared: runs {@code System.gc()} and
   * polls until the reference is cleared, at most {@link #within(Duration)}. The failure says how
   * long it waited and how many collections it ran.
   */
  public ReferenceAssert isGarbageCollected() {
    isNotNull();
    // Described in a method of its own: a local holding the referent in this frame would keep it
    // reachable while the interpreter runs this method.
    String referent = Messages.referent(actual);
    int[] collections = {0};
    long start = System.nanoTime();
    try {
      await("garbage collection of " + referent)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(POLL)
          .atMost(within)
          .until(
              () -> {
                if (actual.refersTo(null)) {
                  return true;
                }
                System.gc();
                collections[0]++;
                return actual.refersTo(null);
              });
    } catch (ConditionTimeoutException e) {
      failWithMessage(
          "%s",
          Messages.notCollected(
              actual,
              referent,
              Duration.ofNanos(System.nanoTime() - start),
              collections[0],
              LeakCheck.meters().explicitGcWorks(),
              actual instanceof SoftReference
                  ? Optional.empty()
                  : HeapPaths.ofReferent(actual, Settings.fromSystemProperties().heapDump())));
    }
    return myself;
  }
}
