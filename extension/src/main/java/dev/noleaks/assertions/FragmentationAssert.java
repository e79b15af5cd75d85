package dev.noleaks.assertions;

import dev.noleaks.internal.report.Messages;
import dev.noleaks.probe.MallocStats;
import org.assertj.core.api.AbstractDoubleAssert;

/**
 * The native heap's fragmentation, {@code fordblks / arena}, as an AssertJ double assertion whose
 * bounds ({@link #isLessThan(double)}, {@link #isLessThanOrEqualTo(double)}) fail with what the
 * ratio is made of, not a bare pair of doubles. Obtain it from {@link
 * SnapshotAssert#nativeFragmentation()}; every other double assertion is AssertJ's.
 */
public final class FragmentationAssert extends AbstractDoubleAssert<FragmentationAssert> {

  private final MallocStats stats;

  FragmentationAssert(MallocStats stats) {
    super(stats.freeRatio(), FragmentationAssert.class);
    this.stats = stats;
  }

  /** The free share of the arena is below {@code bound}. */
  @Override
  public FragmentationAssert isLessThan(double bound) {
    if (!(stats.freeRatio() < bound)) {
      failWithMessage("%s", Messages.fragmentation(descriptionText(), stats, "less than", bound));
    }
    return myself;
  }

  /** The free share of the arena is at most {@code bound}. */
  @Override
  public FragmentationAssert isLessThanOrEqualTo(double bound) {
    if (!(stats.freeRatio() <= bound)) {
      failWithMessage("%s", Messages.fragmentation(descriptionText(), stats, "at most", bound));
    }
    return myself;
  }
}
