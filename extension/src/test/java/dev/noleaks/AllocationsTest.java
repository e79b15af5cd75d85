package dev.noleaks;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** What all threads allocated between two tables, and when that cannot be known. */
class AllocationsTest {

  private static final Allocations EARLIER =
      new Allocations(new long[] {1, 5, 9}, new long[] {100, 200, 300}, 20);

  @Test
  void sumsEveryThreadsGrowthAndCountsANewThreadFromZero() {
    Allocations later =
        new Allocations(new long[] {1, 5, 9, 12}, new long[] {150, 200, 310, 40}, 21);
    assertThat(later.since(EARLIER)).hasValue(50 + 0 + 10 + 40);
  }

  @Test
  void aThreadOfTheEarlierTableThatEndedMakesItUnknown() {
    Allocations later = new Allocations(new long[] {1, 9}, new long[] {150, 310}, 20);
    assertThat(later.since(EARLIER)).isEmpty();
  }

  @Test
  void aThreadThatStartedAndEndedInBetweenMakesItUnknown() {
    Allocations later = new Allocations(new long[] {1, 5, 9}, new long[] {150, 200, 310}, 21);
    assertThat(later.since(EARLIER)).isEmpty();
  }

  @Test
  void anUnreadableCounterMakesItUnknown() {
    Allocations later = new Allocations(new long[] {1, 5, 9}, new long[] {150, -1, 310}, 20);
    assertThat(later.since(EARLIER)).isEmpty();
  }

  @Test
  void aRealThreadThatAllocatesAndEndsIsNotMissed() throws InterruptedException {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Allocations before = Allocations.read(threads);
    Thread worker = new Thread(() -> new byte[1 << 20].clone());
    worker.start();
    worker.join();
    assertThat(Allocations.read(threads).since(before)).isEmpty();

    // Another thread of this JVM (a pool worker timing out) may end meanwhile: then try again.
    java.util.OptionalLong counted = java.util.OptionalLong.empty();
    for (int attempt = 0; attempt < 5 && counted.isEmpty(); attempt++) {
      Allocations quiet = Allocations.read(threads);
      byte[] mine = new byte[100_000];
      counted = Allocations.read(threads).since(quiet);
      assertThat(mine).hasSize(100_000);
    }
    assertThat(counted.orElseThrow()).isGreaterThanOrEqualTo(100_000);
  }
}
