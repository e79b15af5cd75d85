package dev.noleaks.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Numbers as the report writes them. */
class JsonTest {

  @Test
  void threeDecimalsAreWhatTheFormatterWrites() {
    Random random = new Random(42);
    for (int i = 0; i < 100_000; i++) {
      double d =
          switch (i % 4) {
            case 0 -> random.nextDouble(); // a ratio, as fragmentation
            case 1 -> random.nextDouble() * 1e6;
            case 2 -> -random.nextDouble() * 100;
            default -> Math.round(random.nextDouble() * 1e6) / 1000.0 + 0.0004; // near a tie
          };
      assertThat(Json.threeDecimals(d))
          .as("%s", d)
          .isEqualTo(String.format(Locale.ROOT, "%.3f", d));
    }
    for (double d : new double[] {0, 1, 0.9999, 0.0005, 1.0005, 2.5e14, 1e15, Double.NaN}) {
      assertThat(Json.threeDecimals(d))
          .as("%s", d)
          .isEqualTo(String.format(Locale.ROOT, "%.3f", d));
    }
  }
}
