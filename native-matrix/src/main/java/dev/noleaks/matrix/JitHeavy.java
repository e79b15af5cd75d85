package dev.noleaks.matrix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A copy of the extension's test support {@code JitHeavy} (its tests are not published): a body
 * that keeps the JIT busy (regular expressions, collections, {@code String.format}, streams), whose
 * C2 compilations move native readings by KB to MB.
 */
final class JitHeavy {

  private static int round;

  private JitHeavy() {}

  /** Returns a value derived from everything it did, so that nothing is optimised away. */
  static int work() {
    int r = round++;
    Pattern pattern = Pattern.compile("(\\w+)-(\\d+)-([0-9a-f]+)(?:\\.(\\w*))?");
    Map<String, Integer> counts = new HashMap<>();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String line =
          String.format(Locale.ROOT, "item%d-%d-%x.%s", i % 17, r + i, i * 31, "x".repeat(i % 5));
      Matcher m = pattern.matcher(line);
      if (m.matches()) {
        counts.merge(m.group(1), m.group(3).length(), Integer::sum);
      }
      lines.add(line);
    }
    String joined =
        IntStream.range(0, 200)
            .mapToObj(i -> lines.get((i * 7) % lines.size()))
            .filter(s -> s.hashCode() % 3 != 0)
            .sorted(Comparator.reverseOrder())
            .distinct()
            .limit(50)
            .collect(Collectors.joining(","));
    return counts.values().stream().mapToInt(Integer::intValue).sum() + joined.length();
  }
}
