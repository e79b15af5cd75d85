package dev.noleaks.internal.judge;

import dev.noleaks.Check;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * The repeated-mode rule for a continuous meter (heap or native bytes): readings taken after each
 * measured run, preceded by one taken after the warm-up. The meter leaks when its slope is above
 * the threshold AND at least {@value #MIN_POSITIVE} of the last {@value #WINDOW} run-to-run deltas
 * are positive (every delta when there are fewer than {@value #WINDOW}).
 *
 * <p>The slope is the median of the deltas, not least squares and not Theil–Sen: the JIT's arenas
 * and the allocator's caches move native readings in isolated steps of KB to MB. One step is one
 * outlier delta, which the median ignores, whereas a step in the middle of the series moves about
 * half of Theil–Sen's pairwise slopes and any least-squares fit. The positive-deltas condition
 * keeps a clean body whose readings wander (one delta up, the next down) from failing.
 *
 * @param check what was measured: the heap or native memory
 * @param readings the baseline after the warm-up, then one reading per measured run
 * @param threshold bytes per run above which the slope is a leak
 */
public record Trend(Check check, long[] readings, long threshold) {

  public static final int WINDOW = 10;
  static final int MIN_POSITIVE = 9;

  public Trend {
    if (readings.length < 2) {
      throw new IllegalArgumentException("a trend needs at least two readings");
    }
    readings = readings.clone();
  }

  /** The run-to-run deltas, oldest first. */
  public long[] deltas() {
    long[] d = new long[readings.length - 1];
    for (int i = 0; i < d.length; i++) {
      d[i] = readings[i + 1] - readings[i];
    }
    return d;
  }

  /** Median of the deltas, bytes per run (the mean of the middle two for an even count). */
  public double slope() {
    long[] d = deltas();
    Arrays.sort(d);
    int mid = d.length / 2;
    return d.length % 2 == 1 ? d[mid] : (d[mid - 1] + (double) d[mid]) / 2;
  }

  /** How many runs the trend covers. */
  public int runs() {
    return readings.length - 1;
  }

  /** Deltas the positive-count condition looks at: the last {@value #WINDOW}. */
  public int window() {
    return Math.min(WINDOW, runs());
  }

  /** Positive deltas among the last {@link #window()}. */
  public int positive() {
    long[] d = deltas();
    return (int) LongStream.of(d).skip(d.length - window()).filter(x -> x > 0).count();
  }

  /** Positive deltas needed: 9 of the last 10, or all of them when there are fewer than 10. */
  public int positiveNeeded() {
    return window() < WINDOW ? window() : MIN_POSITIVE;
  }

  public boolean leaks() {
    return slope() > threshold && positive() >= positiveNeeded();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Trend t
        && check == t.check
        && threshold == t.threshold
        && Arrays.equals(readings, t.readings);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * check.hashCode() + Long.hashCode(threshold)) + Arrays.hashCode(readings);
  }

  @Override
  public String toString() {
    return "Trend[check="
        + check
        + ", readings="
        + Arrays.toString(readings)
        + ", threshold="
        + threshold
        + "]";
  }
}
