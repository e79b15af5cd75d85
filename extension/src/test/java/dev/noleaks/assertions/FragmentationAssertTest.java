package dev.noleaks.assertions;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What a fragmentation bound says when it fails. */
class FragmentationAssertTest {

  @Test
  void aFragmentationBoundSaysWhatTheRatioIsMadeOf() {
    dev.noleaks.probe.MallocStats stats =
        new dev.noleaks.probe.MallocStats(4_000_000, 10, 0, 0, 1_000_000, 3_000_000, 0);
    assertThatThrownBy(() -> new FragmentationAssert(stats).isLessThan(0.5))
        .hasMessage(
            "Expecting native fragmentation (free bytes malloc holds / its arena) to be less than"
                + " 0.500, but it was 0.750: 3 MB free in a 4 MB malloc arena");
    new FragmentationAssert(stats).isLessThan(0.8).isLessThanOrEqualTo(0.75);
  }
}
