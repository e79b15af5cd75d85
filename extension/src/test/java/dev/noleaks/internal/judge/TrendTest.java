package dev.noleaks.internal.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noleaks.Check;
import dev.noleaks.internal.report.Messages;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class TrendTest {

  /** Readings starting at {@code start}, each the previous plus the next delta. */
  private static long[] readings(long start, long... deltas) {
    long[] r = new long[deltas.length + 1];
    r[0] = start;
    for (int i = 0; i < deltas.length; i++) {
      r[i + 1] = r[i] + deltas[i];
    }
    return r;
  }

  private static long[] constant(int n, long delta) {
    return LongStream.generate(() -> delta).limit(n).toArray();
  }

  @Test
  void steadyGrowthAboveTheThresholdLeaks() {
    Trend t = new Trend(Check.NATIVE, readings(1_000_000, constant(20, 80)), 48);

    assertThat(t.slope()).isEqualTo(80.0);
    assertThat(t.positive()).isEqualTo(10);
    assertThat(t.leaks()).isTrue();
    assertThat(Messages.trend(t))
        .isEqualTo(
            "native memory grew in 10 of the last 10 runs: [+80, +80, +80, +80, +80, +80, +80,"
                + " +80, +80, +80, +80, +80, +80, +80, +80, +80, +80, +80, +80, +80] B, slope 80"
                + " B/run (threshold 48 B, +1,600 B over 20 runs)");
  }

  @Test
  void growthAtOrBelowTheThresholdDoesNotLeak() {
    assertThat(new Trend(Check.HEAP, readings(0, constant(20, 8)), 8).leaks()).isFalse();
    assertThat(new Trend(Check.HEAP, readings(0, constant(20, 9)), 8).leaks()).isTrue();
  }

  @Test
  void oneFallInTheLastTenIsTolerated_twoAreNot() {
    long[] one = constant(20, 80);
    one[15] = -5_000_000; // the JIT's chunk pool freed, say
    assertThat(new Trend(Check.NATIVE, readings(10_000_000, one), 48).leaks()).isTrue();

    long[] two = one.clone();
    two[18] = 0;
    assertThat(new Trend(Check.NATIVE, readings(10_000_000, two), 48).leaks()).isFalse();
  }

  @Test
  void theMedianIgnoresAnIsolatedStep() {
    long[] deltas = new long[20];
    deltas[10] = 4_000_000; // one C2 compilation's arena, kept
    Trend t = new Trend(Check.NATIVE, readings(0, deltas), 48);

    assertThat(t.slope()).isZero();
    assertThat(t.leaks()).isFalse();
  }

  @Test
  void aWanderingCleanSeriesDoesNotLeak() {
    long[] deltas = {500, -300, 800, -700, 64, 0, 2_000, -1_900, 16, -16, 300, 200, -100, 50};
    assertThat(new Trend(Check.NATIVE, readings(0, deltas), 48).leaks()).isFalse();
  }

  @Test
  void withFewerThanTenDeltasEveryOneMustBePositive() {
    Trend all = new Trend(Check.HEAP, readings(0, 16, 16, 16, 16, 16), 8);
    assertThat(all.window()).isEqualTo(5);
    assertThat(all.positiveNeeded()).isEqualTo(5);
    assertThat(all.leaks()).isTrue();

    Trend oneFlat = new Trend(Check.HEAP, readings(0, 16, 16, 0, 16, 16), 8);
    assertThat(oneFlat.leaks()).isFalse();
    assertThat(Messages.trend(oneFlat))
        .startsWith("heap grew in 4 of the last 5 runs: [+16, +16, +0,");
  }

  @Test
  void longSeriesShowTheirMostRecentDeltas() {
    Trend t = new Trend(Check.HEAP, readings(0, constant(40, 16)), 8);
    String text = Messages.trend(t);
    String series = text.substring(text.indexOf('['), text.indexOf("] B") + "] B".length());
    assertThat(series).startsWith("[…, +16").endsWith("+16] B");
    assertThat(series.split(",")).hasSize(31);
  }

  @Test
  void needsTwoReadings() {
    assertThatThrownBy(() -> new Trend(Check.HEAP, new long[] {1}, 8))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
