package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The classes a repeated heap finding names: those that grew in every run, the leaking one first,
 * none of NoLeaks' own.
 */
class RepeatedClassGrowthTest {

  static final List<Object> RETAINED = new ArrayList<>();
  static long next;

  static class LongArrayLeak {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void keepsALongArrayPerRun() {
      RETAINED.add(new long[8]);
    }
  }

  static class BoxedLongLeak {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void keepsABoxedLongPerRun() {
      RETAINED.add(next++); // above Long's cache of -128..127: a new Long each run
    }
  }

  static class ByteArrayLeak {
    @Test
    @NoLeaks(repeat = 10, warmup = 2)
    void keeps512KilobyteArraysPerRun() {
      for (int i = 0; i < 512; i++) {
        RETAINED.add(new byte[1024]);
      }
    }
  }

  @BeforeEach
  void reset() {
    RETAINED.clear();
    next = 1_000;
  }

  /** The class list of a heap finding: what follows the trend, up to the end of its line. */
  private static String classes(Throwable failure) {
    String message = failure.getMessage();
    int start = message.indexOf("B/run");
    assertThat(start).as("a repeated heap finding in: %s", message).isPositive();
    int colon = message.indexOf("): ", start);
    assertThat(colon).as("classes listed in: %s", message).isPositive();
    int end = message.indexOf('\n', colon);
    return message.substring(colon + 3, end < 0 ? message.length() : end);
  }

  /**
   * The count of the leaking class at its head. Not asserted exactly: a histogram counts the whole
   * heap, and other code adds a few objects of the same class once (string constants resolved on a
   * path first taken during the runs: +5 to +85 byte[] and as many Strings, +4 Objects, measured on
   * a loaded machine), and one that dies between the first and the last histogram may be missing.
   * Counting the warm-up runs too is outside the bands; the old histograms' +4,983 to +5,469 for
   * 5,120 leaked arrays were too.
   */
  private static void assertHead(String classes, String className, long least, long most) {
    Matcher head =
        Pattern.compile("\\+([\\d,]+) " + Pattern.quote(className) + " \\(\\+").matcher(classes);
    assertThat(head.lookingAt()).as("%s listed first in: %s", className, classes).isTrue();
    assertThat(Long.parseLong(head.group(1).replace(",", "")))
        .as("instances of %s in: %s", className, classes)
        .isBetween(least, most);
  }

  @Test
  void anEightyBytePerRunLongArrayLeakListsLongArraysFirst() {
    assertHead(classes(failureOf(LongArrayLeak.class)), "long[]", 19, 24);
  }

  @Test
  void aBoxedLongLeakListsLong() {
    assertThat(classes(failureOf(BoxedLongLeak.class))).contains("java.lang.Long (+");
  }

  @Test
  void noClassOfNoLeaksIsListed() {
    assertThat(List.of(LongArrayLeak.class, BoxedLongLeak.class, ByteArrayLeak.class))
        .allSatisfy(
            fixture -> assertThat(classes(failureOf(fixture))).doesNotContain("dev.noleaks"));
  }

  @Test
  void fiveThousandLeakedKilobyteArraysAreCountedAsSuch() {
    assertHead(classes(failureOf(ByteArrayLeak.class)), "byte[]", 5_069, 5_273);
  }
}
