package dev.noleaks.internal.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** What all threads allocated between two readings, and when that cannot be known. */
class AllocationsTest {

  private static final Allocations EARLIER = new Allocations(1000, 20, 3, 1, 100, 0);

  @Test
  void countsEveryThreadsGrowthAndANewThreadFromZero() {
    Allocations later = new Allocations(1100, 21, 4, 1, 150, 0);
    assertThat(later.since(EARLIER)).hasValue(100);
  }

  @Test
  void aThreadThatEndedMakesItUnknown() {
    Allocations later = new Allocations(1100, 20, 2, 1, 150, 0);
    assertThat(later.since(EARLIER)).isEmpty();
  }

  @Test
  void aThreadThatStartedAndEndedInBetweenMakesItUnknown() {
    Allocations later = new Allocations(1100, 21, 3, 1, 150, 0);
    assertThat(later.since(EARLIER)).isEmpty();
  }

  @Test
  void anUnknownReadingMakesItUnknown() {
    Allocations later = new Allocations(Allocations.UNKNOWN, 20, 3, 1, 150, 0);
    assertThat(later.since(EARLIER)).isEmpty();
    assertThat(EARLIER.since(later)).isEmpty();
  }

  @Test
  void othersLeaveOutTheReadersOwnBytesWhenOneThreadReadBoth() {
    assertThat(new Allocations(1100, 20, 3, 1, 150, 0).othersSince(EARLIER)).hasValue(50);
    assertThat(new Allocations(1100, 20, 3, 2, 150, 0).othersSince(EARLIER)).isEmpty();
  }

  @Test
  void notOwnLeavesOutWhatNoLeaksOwnWorkAllocatedInBetween() {
    Allocations earlier = new Allocations(1000, 20, 3, 1, 100, 40);
    assertThat(new Allocations(1100, 20, 3, 1, 150, 70).notOwnSince(earlier)).hasValue(70);
    assertThat(new Allocations(1100, 20, 2, 1, 150, 70).notOwnSince(earlier)).isEmpty();
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
    java.util.OptionalLong others = java.util.OptionalLong.empty();
    for (int attempt = 0; attempt < 5 && (counted.isEmpty() || others.isEmpty()); attempt++) {
      Allocations quiet = Allocations.read(threads);
      byte[] mine = new byte[100_000];
      Allocations after = Allocations.read(threads);
      counted = after.since(quiet);
      others = after.othersSince(quiet);
      assertThat(mine).hasSize(100_000);
    }
    assertThat(counted.orElseThrow()).isGreaterThanOrEqualTo(100_000);
    assertThat(others.orElseThrow()).isLessThan(100_000);
  }
}
