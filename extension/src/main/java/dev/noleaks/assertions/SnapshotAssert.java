package dev.noleaks.assertions;

import dev.noleaks.internal.report.Messages;
import dev.noleaks.probe.MallocStats;
import dev.noleaks.probe.Reading;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on one {@link Snapshot}: {@code
 * assertThat(Snapshot.take()).nativeFragmentation().isLessThan(0.3)}. Obtain it from {@link
 * MemoryAssertions#assertThat(Snapshot)}.
 */
public final class SnapshotAssert extends AbstractAssert<SnapshotAssert, Snapshot> {

  /**
   * The smallest malloc arena whose fragmentation is judged. A small arena's free ratio swings with
   * a single freed block (a 64 KB hole in a 200 KB arena is 0.3), so below this the assertion fails
   * saying it cannot judge instead of passing as if it had measured.
   */
  public static final long MIN_ARENA_BYTES = 1L << 20;

  SnapshotAssert(Snapshot actual) {
    super(actual, SnapshotAssert.class);
  }

  /**
   * The native heap's fragmentation, {@code fordblks / arena}: free bytes glibc holds in its arenas
   * as a fraction of the arenas' size, as an AssertJ double assertion whose bounds say what the
   * ratio is made of. Fails at once (without judging) when malloc statistics are unavailable or the
   * arena is smaller than {@link #MIN_ARENA_BYTES}.
   */
  public FragmentationAssert nativeFragmentation() {
    isNotNull();
    return nativeFragmentation(actual.malloc());
  }

  FragmentationAssert nativeFragmentation(Reading<MallocStats> malloc) {
    Optional<String> unavailable = malloc.unavailableReason();
    if (unavailable.isPresent()) {
      failWithMessage("%s", Messages.fragmentationUnavailable(unavailable.get()));
    }
    MallocStats stats = malloc.orElseThrow();
    if (stats.arena() < MIN_ARENA_BYTES) {
      failWithMessage("%s", Messages.arenaTooSmall(stats, MIN_ARENA_BYTES));
    }
    FragmentationAssert ratio = new FragmentationAssert(stats);
    String description = descriptionText();
    return description == null || description.isEmpty() ? ratio : ratio.as(description);
  }
}
