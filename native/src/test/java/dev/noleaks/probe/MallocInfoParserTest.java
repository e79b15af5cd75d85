package dev.noleaks.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MallocInfoParserTest {

  /**
   * glibc 2.36 x86_64, after 10,000 malloc(64) with every other one freed and a 200,000 B block
   * freed (which consolidated the fast bins), plus a second thread's arena; mallinfo2 said
   * fordblks=507296 at the same moment.
   */
  private static final String REPORT =
      """
      <malloc version="1">
      <heap nr="0">
      <sizes>
        <size from="81" to="81" total="404433" count="4993"/>
      </sizes>
      <total type="fast" count="0" size="0"/>
      <total type="rest" count="4994" size="405377"/>
      <system type="current" size="811008"/>
      <system type="max" size="811008"/>
      <aspace type="total" size="811008"/>
      <aspace type="mprotect" size="811008"/>
      </heap>
      <heap nr="1">
      <sizes>
        <size from="97" to="112" total="112" count="1"/>
        <size from="113" to="128" total="128" count="1"/>
        <unsorted from="145" to="897" total="25665" count="49"/>
      </sizes>
      <total type="fast" count="2" size="240"/>
      <total type="rest" count="50" size="106721"/>
      <system type="current" size="135168"/>
      <system type="max" size="135168"/>
      <aspace type="total" size="135168"/>
      <aspace type="mprotect" size="135168"/>
      <aspace type="subheaps" size="1"/>
      </heap>
      <total type="fast" count="2" size="240"/>
      <total type="rest" count="5044" size="512098"/>
      <total type="mmap" count="0" size="0"/>
      <system type="current" size="946176"/>
      <system type="max" size="946176"/>
      <aspace type="total" size="946176"/>
      <aspace type="mprotect" size="946176"/>
      </malloc>
      """;

  @Test
  void parsesArenasWithoutFlagBitsAndFindsTheTopChunk() {
    byte[] xml = REPORT.getBytes(StandardCharsets.US_ASCII);
    MallocInfo info = new MallocInfoParser().parse(xml, xml.length);

    assertThat(info.arenas()).hasSize(2);
    MallocInfo.Arena main = info.arenas().get(0);
    assertThat(main.index()).isZero();
    assertThat(main.freeChunks()).containsExactly(new MallocInfo.FreeChunks(80, 80, 4993, 399_440));
    assertThat(main.topBytes()).isEqualTo(944);
    assertThat(main.freeBytes()).isEqualTo(399_440 + 944);
    assertThat(main.largestFreeChunk()).isEqualTo(944);
    assertThat(main.systemBytes()).isEqualTo(811_008);

    MallocInfo.Arena second = info.arenas().get(1);
    assertThat(second.index()).isOne();
    assertThat(second.freeChunks())
        .containsExactly(
            new MallocInfo.FreeChunks(112, 112, 1, 112),
            new MallocInfo.FreeChunks(128, 128, 1, 128),
            new MallocInfo.FreeChunks(144, 896, 49, 25_616));
    assertThat(second.topBytes()).isEqualTo(106_721 - 25_665);
    assertThat(second.largestFreeChunk()).isEqualTo(81_056);
    assertThat(second.systemBytes()).isEqualTo(135_168);

    assertThat(info.freeBytes()).isEqualTo(507_296);
    assertThat(info.freeChunkCount()).isEqualTo(4993 + 1 + 1 + 49);
    assertThat(info.largestFreeChunk()).isEqualTo(81_056);
  }

  @Test
  void emptyReportHasNoArenas() {
    assertThat(new MallocInfoParser().parse(new byte[0], 0).arenas()).isEmpty();
  }
}
