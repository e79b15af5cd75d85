package synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** 100 small string tests: formatting, splitting, a regular expression, a builder. */
class TextTest {
  private static final Pattern WORDS = Pattern.compile("[a-z]+(-[a-z]+)*");

  static IntStream cases() {
    return IntStream.range(0, 100);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void formatsSplitsAndMatches(int n) {
    String line = String.format(Locale.ROOT, "item-%d,%s,%08.3f", n, "alpha-beta", n / 7.0);
    String[] fields = line.split(",");
    assertEquals(3, fields.length);
    assertTrue(WORDS.matcher(fields[1]).matches());
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n % 20 + 1; i++) {
      b.append(fields[0]).append(';');
    }
    assertEquals((n % 20 + 1) * (fields[0].length() + 1), b.length());
    assertEquals(line.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), line);
  }
}
