package dev.noleaks.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MallocReadingTest {

  private static final long MIB = 1024 * 1024;

  private final Probe probe = Probe.current();

  @BeforeAll
  static void glibcOnLinux() {
    assertThat(Probe.current().platform()).startsWith("linux").contains("glibc");
  }

  @Test
  void oneMebibyteRaisesInUseByItsChunkAndFreeBringsItBack() {
    // A block above the mmap threshold (128 KiB until the first free of a larger mmapped chunk) is
    // mmapped and counts whole pages: 1 MiB + 4 KiB. Freeing one 4 MiB mmapped block raises glibc's
    // dynamic threshold past it, so the 1 MiB block below comes from the arena: 1 MiB + 16 B.
    Native.free(Native.malloc(4 * MIB));
    NativeHeap.retrying(
        5,
        () -> {
          long[] block = new long[1];
          long raised =
              NativeHeap.medianChange(
                  probe, 9, () -> block[0] = Native.malloc(MIB), () -> Native.free(block[0]));
          long back = NativeHeap.medianChange(probe, 9, () -> Native.free(Native.malloc(MIB)));

          assertThat(raised).isBetween(MIB, MIB + 64).isEqualTo(NativeHeap.chunkSize(MIB));
          assertThat(back).isZero();
        });
  }

  @Test
  void sixtyFourBytesRaiseInUseByOneChunkEach() {
    // One block alone is not a fair measure: glibc counts tcache chunks as in use, so a block
    // served from the tcache moves in-use by 0, one that makes malloc stash chunks of its size into
    // the tcache by up to 8 chunks, and one that uses up a free chunk less than 32 B larger by that
    // chunk (measured: single-block medians of 96-208 B in surefire's JVM). 20,000 blocks first
    // empty this thread's bins of that size; then 1,000 blocks at a time raise in-use by 1,000
    // chunks plus at most a few hundred bytes of such effects.
    int perTrial = 1_000;
    List<Long> blocks = new ArrayList<>();
    try {
      for (int i = 0; i < 20_000; i++) {
        blocks.add(Native.malloc(64));
      }
      NativeHeap.retrying(
          5,
          () -> {
            long raised =
                NativeHeap.medianChange(
                    probe,
                    5,
                    () -> {
                      for (int i = 0; i < perTrial; i++) {
                        blocks.add(Native.malloc(64));
                      }
                    });

            assertThat(raised / perTrial).isEqualTo(NativeHeap.chunkSize(64));
            if ("x86_64".equals(LinuxProbe.machine(System.getProperty("os.arch")))) {
              assertThat(raised / perTrial).isEqualTo(80);
            }
          });
    } finally {
      blocks.forEach(Native::free);
    }
  }

  @Test
  void tenThousandReadingsDoNotMoveInUse() {
    readings(10_000); // compile the reading path first
    NativeHeap.retrying(
        3,
        () -> {
          long drift = NativeHeap.medianChange(probe, 5, () -> readings(10_000));
          // Not exactly 0: in-use is process-wide, and other threads (surefire's, the GC's, the
          // JIT's between two of its clock ticks) move it while 10,000 readings run: drifts of
          // -35,216, -96, 2,528, 208 and 704 B in five attempts with the machine's load at 8
          // (measured, JDK 17), none 0. A reading that left even one chunk behind (32 B at least)
          // would drift by 320,000 B or more in every sample.
          assertThat(Math.abs(drift))
              .as("in-use drift across 10,000 readings, median of 5")
              .isLessThan(10_000);
        });
  }

  private long readings(int count) {
    long sum = 0;
    for (int i = 0; i < count; i++) {
      sum += probe.malloc().orElseThrow().arena();
    }
    return sum;
  }

  @Test
  void readingMatchesTheAllocatorsOwnAccounting() {
    MallocStats stats = probe.malloc().orElseThrow();

    assertThat(stats.arena()).isPositive();
    assertThat(stats.allocatedBytes() + stats.freeBytes()).isEqualTo(stats.arena());
    assertThat(stats.freeRatio()).isBetween(0.0, 1.0);
  }
}
