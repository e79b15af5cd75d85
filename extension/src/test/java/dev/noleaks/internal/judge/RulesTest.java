package dev.noleaks.internal.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.BufferPool;
import dev.noleaks.internal.measure.Meters;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.report.Messages;
import org.junit.jupiter.api.Test;

/** The wording and the tolerance of the buffer rule, over readings with made-up buffer pools. */
class RulesTest {

  @Test
  void buffersThatGrewWithoutANewOneSaySo() {
    Readings now = Meters.get().capture(false, true, false);
    Readings before = withDirect(now, new BufferPool(1, 8192));
    Readings after = withDirect(now, new BufferPool(1, 8193));
    assertThat(Rules.buffers(before.diff(after), 0))
        .singleElement()
        .extracting(Messages::summary)
        .isEqualTo(
            "direct buffers grew by +1 B with no more of them: 1 buffer of 8,192 B before, 1 of 8,193 B after");
    Readings two = withDirect(now, new BufferPool(2, 16384));
    assertThat(Rules.buffers(before.diff(two), 0))
        .singleElement()
        .extracting(Messages::summary)
        .asString()
        .startsWith("1 direct buffer leaked (+8,192 B): 1 buffer of");
  }

  /**
   * A buffer replaced by a larger one (the JDK's temporary buffer cache after a large read) is
   * native memory grown in place, judged by the native tolerance; one more buffer is a leak at
   * once.
   */
  @Test
  void buffersThatGrewWithoutANewOneAreJudgedByTheNativeTolerance() {
    Readings now = Meters.get().capture(false, true, false);
    Readings before = withDirect(now, new BufferPool(1, 8192));
    long tolerance = 512_000;
    assertThat(
            Rules.buffers(
                before.diff(withDirect(now, new BufferPool(1, 8192 + 300_000))), tolerance))
        .isEmpty();
    assertThat(
            Rules.buffers(
                before.diff(withDirect(now, new BufferPool(1, 8192 + 600_000))), tolerance))
        .singleElement()
        .extracting(Messages::summary)
        .asString()
        .startsWith("direct buffers grew by +");
    assertThat(
            Rules.buffers(before.diff(withDirect(now, new BufferPool(2, 8192 + 100))), tolerance))
        .singleElement()
        .extracting(Messages::summary)
        .asString()
        .startsWith("1 direct buffer leaked (+100 B)");
  }

  /**
   * Direct memory a library's pool took, all of it, is that pool's: no finding. Anything beside it,
   * however little, and the buffers are judged as before.
   */
  @Test
  void directMemoryAllTakenByALibrarysPoolIsNotALeak() {
    Readings now = Meters.get().capture(false, true, false);
    long chunk = 131_072;
    Readings before = withDirect(now, new BufferPool(10, 1_000_000), 500_000);
    Readings chunkAdded = withDirect(now, new BufferPool(11, 1_000_000 + chunk), 500_000 + chunk);
    assertThat(Rules.buffers(before.diff(chunkAdded), 512 * 1024)).isEmpty();
    Readings chunkAndOneMore =
        withDirect(now, new BufferPool(12, 1_000_000 + chunk + 100), 500_000 + chunk);
    assertThat(Rules.buffers(before.diff(chunkAndOneMore), 512 * 1024))
        .singleElement()
        .extracting(Messages::summary)
        .asString()
        .startsWith("2 direct buffers leaked");
    Readings poolBesideTheJdksCount =
        withDirect(now, new BufferPool(11, 1_000_000 + 4096), 500_000 + chunk);
    assertThat(Rules.buffers(before.diff(poolBesideTheJdksCount), 512 * 1024))
        .singleElement()
        .extracting(Messages::summary)
        .asString()
        .startsWith("1 direct buffer leaked (+4,096 B)");
    Readings noPoolFigure = withDirect(now, new BufferPool(11, 1_000_000 + chunk), -1);
    assertThat(Rules.buffers(before.diff(noPoolFigure), 512 * 1024)).hasSize(1);
  }

  private static Readings withDirect(Readings s, BufferPool direct) {
    return withDirect(s, direct, -1);
  }

  private static Readings withDirect(Readings s, BufferPool direct, long pooledDirect) {
    return new Readings(
        s.takenAt(),
        s.heapUsed(),
        s.heapExact(),
        direct,
        s.mappedBuffers(),
        s.malloc(),
        s.jvmMalloc(),
        s.descriptors(),
        s.threads(),
        s.nativeThreadCount(),
        s.residentBytes(),
        s.allocatedBytes(),
        pooledDirect,
        -1);
  }
}
