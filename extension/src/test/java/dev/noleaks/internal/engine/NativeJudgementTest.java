package dev.noleaks.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.report.Messages;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The repeated-mode native verdict over recorded readings ({@link RepeatedRun#judgeNative}): the
 * series below are shaped like the ones measured under load (a 64 B/run leak reads +80 B a run when
 * undisturbed; runs during which the JIT compiled read hundreds of bytes either way).
 */
class NativeJudgementTest {

  private static final Settings SETTINGS = Settings.defaults().withRepeat(20, 5);

  /** Readings from 0 and, per reading, whether its run was disturbed. */
  private record Series(long[] readings, boolean[] disturbed) {

    static Series of(long[] deltas, boolean[] disturbed) {
      long[] r = new long[deltas.length + 1];
      boolean[] d = new boolean[deltas.length + 1];
      for (int i = 0; i < deltas.length; i++) {
        r[i + 1] = r[i] + deltas[i];
        d[i + 1] = disturbed[i];
      }
      return new Series(r, d);
    }

    Optional<Finding> judged() {
      return RepeatedRun.judgeNative(readings, disturbed, readings.length - 1, SETTINGS);
    }
  }

  /**
   * {@code runs} deltas: every {@code quietEvery}th run undisturbed at {@code quiet} B, the rest
   * noise.
   */
  private static Series noisy(int runs, int quietEvery, long quiet, long[] noise) {
    long[] deltas = new long[runs];
    boolean[] disturbed = new boolean[runs];
    for (int i = 0; i < runs; i++) {
      boolean calm = quietEvery > 0 && i % quietEvery == quietEvery - 1;
      deltas[i] = calm ? quiet : noise[i % noise.length];
      disturbed[i] = !calm;
    }
    return Series.of(deltas, disturbed);
  }

  /** Disturbed deltas of a 64 B/run leak under load: mostly up, three in ten down. */
  private static final long[] LEAK_NOISE = {380, -240, 150, 90, -310, 460, 120, -90, 210, 530};

  /** Disturbed deltas of a clean body under load. */
  private static final long[] CLEAN_NOISE = {624, -19, 487, -32, -159, 378, 0, 338, -61, -340};

  @Test
  void aLeakHiddenInNoiseIsNotASilentPass() {
    Series s = noisy(80, 10, 80, LEAK_NOISE); // 8 undisturbed runs of 80

    Finding f = s.judged().orElseThrow();

    assertThat(f).isInstanceOf(Finding.Unavailable.class);
    assertThat(f.check()).isEqualTo(Check.NATIVE);
    assertThat(Messages.summary(f))
        .startsWith("native memory not measured: the trend could not be judged")
        .contains("during 72 of 80 measured runs, and the 8 without either are fewer than the 10")
        .contains("@NoLeaks(warmup = …)");
  }

  @Test
  void aNoisySlopeBelowTheThresholdWithFewUndisturbedRunsIsNotJudgedClean() {
    Series s = noisy(80, 10, 80, CLEAN_NOISE);

    assertThat(s.judged()).get().isInstanceOf(Finding.Unavailable.class);
  }

  @Test
  void tenUndisturbedRunsOfGrowthAreJudgedALeakWhateverTheNoise() {
    Series s = noisy(80, 5, 80, CLEAN_NOISE); // 16 undisturbed runs

    Finding f = s.judged().orElseThrow();

    assertThat(f).isInstanceOf(Finding.Leak.class);
    assertThat(Messages.summary(f))
        .startsWith("native memory grew in 10 of the last 10 runs: [+80,");
    assertThat(Messages.finding(f))
        .contains("\n    80 measured runs after 5 warm-up runs")
        .contains("so only the last 16 runs without either are judged");
  }

  @Test
  void undisturbedRunsThatRoseTooRarelyAreNotJudgedClean() {
    // JDK 25 under load: undisturbed runs of a 64 B/run leak read -8 B or +12 B now and then.
    long[] quiet = {80, 80, -8, 80, 80, 80, 0, 80, 80, 80, 80, 80};
    long[] deltas = new long[quiet.length * 2];
    boolean[] disturbed = new boolean[deltas.length];
    for (int i = 0; i < quiet.length; i++) {
      deltas[2 * i] = LEAK_NOISE[i % LEAK_NOISE.length];
      disturbed[2 * i] = true;
      deltas[2 * i + 1] = quiet[i];
    }

    Finding f = Series.of(deltas, disturbed).judged().orElseThrow();

    assertThat(f).isInstanceOf(Finding.Unavailable.class);
    assertThat(Messages.summary(f))
        .contains("its slope is above the threshold, but the JIT compiled")
        .contains(
            "so only the last 12 runs without either grew in only 8 of the last 10 (9 needed)");
  }

  @Test
  void anUndisturbedSeriesThatRoseTooRarelyIsNotJudgedClean() {
    long[] deltas = {
      80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, -16, 80, 80, 80, -16, 80, 80, 80, 80
    };

    Finding f = Series.of(deltas, new boolean[deltas.length]).judged().orElseThrow();

    assertThat(f).isInstanceOf(Finding.Unavailable.class);
    assertThat(Messages.summary(f))
        .contains("but its runs grew in only 8 of the last 10 (9 needed)");
  }

  @Test
  void aWanderingCleanSeriesIsClean() {
    long[] deltas = {32, -32, 0, 0, 32, -32, 48, -48, 0, 0, 16, -16, 0, 0, 32, -32, 0, 0, 64, -64};

    assertThat(Series.of(deltas, new boolean[deltas.length]).judged()).isEmpty();
  }

  @Test
  void tenUndisturbedFlatRunsAreJudgedCleanWhateverTheNoise() {
    assertThat(noisy(80, 5, 0, LEAK_NOISE).judged()).isEmpty();
  }

  @Test
  void growthInNineOfTheLastTenRunsIsNotJudgedWhenEveryRunWasDisturbed() {
    Series s = noisy(80, 0, 0, new long[] {120, 95, 80, 160, -20, 88, 140, 99, 81, 300});

    Finding f = s.judged().orElseThrow();

    assertThat(f).isInstanceOf(Finding.Unavailable.class);
    assertThat(Messages.summary(f))
        .contains("the 0 without either are fewer than the 10 the rule needs")
        .contains("grew in 9 of the last 10 runs");
  }

  @Test
  void anUndisturbedSeriesIsJudgedByItsTrendAlone() {
    long[] deltas = new long[20];
    java.util.Arrays.fill(deltas, 80);
    assertThat(Series.of(deltas, new boolean[20]).judged()).get().isInstanceOf(Finding.Leak.class);
    assertThat(Series.of(new long[20], new boolean[20]).judged()).isEmpty();
  }
}
