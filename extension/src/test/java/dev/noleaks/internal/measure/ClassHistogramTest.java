package dev.noleaks.internal.measure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.internal.report.Messages;
import org.junit.jupiter.api.Test;

/** Parsing GC.class_histogram text and naming the classes that grew. */
class ClassHistogramTest {

  static final String BEFORE =
      """
       num     #instances         #bytes  class name (module)
      -------------------------------------------------------
         1:          1000          64000  [B (java.base@17.0.15)
         2:           500          12000  java.lang.String (java.base@17.0.15)
         3:            10            160  java.lang.Object (java.base@17.0.15)
      Total          1510          76160
      """;

  static final String AFTER =
      """
       num     #instances         #bytes  class name (module)
      -------------------------------------------------------
         1:         11000        1264000  [B (java.base@17.0.15)
         2:         10500         252000  com.example.Session
         3:           501          12024  java.lang.String (java.base@17.0.15)
         4:            12            192  java.lang.Object (java.base@17.0.15)
         5:             1             40  [[Ljava.lang.String; (java.base@17.0.15)
      Total         22014        1528256
      """;

  @Test
  void namesTheClassesThatGrewLargestFirstAndLeavesOutTheChurn() {
    var grown = ClassHistogram.parse(AFTER).grownSince(ClassHistogram.parse(BEFORE), 8);
    assertThat(grown)
        .extracting(Messages::classGrowth)
        .containsExactly("+10,000 byte[] (+1.2 MB)", "+10,500 com.example.Session (+252 KB)");
  }

  @Test
  void oneLargeArrayKeptWhileSmallOnesWereFreedIsGrowth() {
    String after =
        """
           1:           996        2161152  [B (java.base@17.0.15)
           2:           500          12000  java.lang.String (java.base@17.0.15)
        """;
    var grown = ClassHistogram.parse(after).grownSince(ClassHistogram.parse(BEFORE), 8);
    assertThat(grown)
        .extracting(Messages::classGrowth)
        .containsExactly("byte[] (+2.1 MB, 4 fewer instances)");
  }

  @Test
  void theHistogramsOwnTextIsNotGrowth() {
    // A later histogram counts the String that holds the earlier one's text, and its byte[].
    long textArray = ClassHistogram.retainedBytes(BEFORE) - 24;
    String after =
        "   1:  1001  " + (64000 + textArray) + "  [B\n   2:  501  12024  java.lang.String\n";
    assertThat(ClassHistogram.parse(after).grownSince(ClassHistogram.parse(BEFORE), 8))
        .extracting(Messages::classGrowth)
        .containsExactly("+1 byte[] (+" + textArray + " B)", "+1 java.lang.String (+24 B)");
    assertThat(ClassHistogram.parse(after).grownSince(ClassHistogram.parseKept(BEFORE), 8))
        .isEmpty();
  }

  @Test
  void aTextWithACharacterBeyondLatin1TakesTwoBytesPerCharacter() {
    assertThat(ClassHistogram.retainedBytes("abcdefgé")).isEqualTo(24 + 16 + 8);
    assertThat(ClassHistogram.retainedBytes("abcdefg\u0416")).isEqualTo(24 + 16 + 16);
  }

  @Test
  void jvmNamesBecomeJavaNames() {
    assertThat(ClassHistogram.displayName("[B")).isEqualTo("byte[]");
    assertThat(ClassHistogram.displayName("[[Ljava.lang.String;"))
        .isEqualTo("java.lang.String[][]");
    assertThat(ClassHistogram.displayName("com.example.Session")).isEqualTo("com.example.Session");
  }

  @Test
  void theLimitCaps() {
    var grown = ClassHistogram.parse(AFTER).grownSince(ClassHistogram.parse(BEFORE), 1);
    assertThat(grown).hasSize(1);
  }

  @Test
  void noLeaksOwnClassesAreNotGrowthButTestClassesInItsPackageAre() {
    assertThat(ClassHistogram.ours("dev.noleaks.internal.judge.Finding")).isTrue();
    assertThat(ClassHistogram.ours("dev.noleaks.internal.judge.Finding[]")).isTrue();
    assertThat(ClassHistogram.ours("dev.noleaks.probe.MallocStats")).isTrue();
    assertThat(
            ClassHistogram.ours(
                "dev.noleaks.internal.engine.RepeatedRun$$Lambda/0x0000000801234567"))
        .isTrue();
    assertThat(ClassHistogram.ours("dev.noleaks.internal.measure.ClassHistogramTest")).isFalse();
    assertThat(ClassHistogram.ours("java.lang.Object")).isFalse();
    String after = AFTER.replace("com.example.Session", "dev.noleaks.internal.judge.Finding");
    assertThat(ClassHistogram.parse(after).grownSince(ClassHistogram.parse(BEFORE), 8))
        .extracting(Messages::classGrowth)
        .containsExactly("+10,000 byte[] (+1.2 MB)");
  }

  @Test
  void growthIsSteadyWhenBothPartsGrewAtRatesWithinTwiceEachOther() {
    assertThat(ClassHistogram.RunHistograms.steady(5, 5, 15, 15)).isTrue();
    assertThat(ClassHistogram.RunHistograms.steady(5, 5, 19, 15)).isTrue();
    assertThat(ClassHistogram.RunHistograms.steady(279, 5, 0, 15)).isFalse();
    assertThat(ClassHistogram.RunHistograms.steady(270, 5, 9, 15)).isFalse();
    assertThat(ClassHistogram.RunHistograms.steady(5, 5, 31, 15)).isFalse();
  }
}
