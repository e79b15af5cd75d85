package dev.noleaks.internal.measure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The JVM's own malloc'ed bytes and blocks, read from Native Memory Tracking's summary. */
class JvmMallocTest {

  @Test
  void theJvmsOwnMallocLeavesOutTheApplicationsCategory() {
    String jdk17 =
        "Total: reserved=8034105358, committed=494536718\n"
            + "       malloc: 14784526 #16187\n"
            + "-                     Other (reserved=5010240, committed=5010240)\n"
            + "                            (malloc=5010240 #4) (at peak) \n";
    assertThat(JvmMalloc.own(jdk17).orElseThrow()).containsExactly(14784526 - 5010240, 16183);
    String jdk25 =
        "Total: reserved=7929041179, committed=492454171\n"
            + "       malloc: 21872923 #13282, peak=25934347 #12562\n"
            + "-                     Other (reserved=5034816, committed=5034816)\n"
            + "                            (malloc=5034816 tag=Other #4) (at peak)\n";
    assertThat(JvmMalloc.own(jdk25).orElseThrow()).containsExactly(21872923 - 5034816, 13278);
    assertThat(
            JvmMalloc.own("Total: reserved=1, committed=1\n       malloc: 100 #2\n").orElseThrow())
        .containsExactly(100, 2);
  }
}
