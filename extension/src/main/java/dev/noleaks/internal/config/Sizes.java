package dev.noleaks.internal.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Human sizes: parsing {@code "512 KB"}, {@code "1 MiB"}, {@code "64 B"} and formatting bytes,
 * counts and durations for messages.
 */
public final class Sizes {

  public static final String ACCEPTED =
      "a size such as \"512 KB\", \"1.5 MB\", \"1 MiB\" or \"64 B\": a number and a unit, B,"
          + " KB, MB, GB (1000-based; K, M, G for short) or KiB, MiB, GiB (1024-based), a bare"
          + " number being bytes, that comes to a whole number of bytes";

  private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]*)\\s*");

  private Sizes() {}

  /**
   * Parses a size as {@link #ACCEPTED} says; throws {@link IllegalArgumentException} naming that
   * form.
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("\"" + text + "\" is not a size; use " + ACCEPTED);
    }
    long unit =
        switch (m.group(2).toUpperCase(Locale.ROOT)) {
          case "", "B" -> 1L;
          case "KB", "K" -> 1_000L;
          case "MB", "M" -> 1_000_000L;
          case "GB", "G" -> 1_000_000_000L;
          case "KIB" -> 1L << 10;
          case "MIB" -> 1L << 20;
          case "GIB" -> 1L << 30;
          default ->
              throw new IllegalArgumentException(
                  "\"" + text + "\" has an unknown unit \"" + m.group(2) + "\"; use " + ACCEPTED);
        };
    double bytes = Double.parseDouble(m.group(1)) * unit;
    if (bytes != Math.rint(bytes) || bytes > Long.MAX_VALUE) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a whole number of bytes; use " + ACCEPTED);
    }
    return (long) bytes;
  }

  /** {@code 1234567} → {@code "1.2 MB"}; below 10 KB the exact bytes with separators. */
  public static String format(long bytes) {
    long abs = Math.abs(bytes);
    if (abs < 10_000) {
      return String.format(Locale.ROOT, "%,d B", bytes);
    }
    String[] units = {"KB", "MB", "GB", "TB"};
    double value = bytes;
    int i = -1;
    while (Math.abs(value) >= 1000 && i < units.length - 1) {
      value /= 1000;
      i++;
    }
    String number = String.format(Locale.ROOT, "%.1f", value);
    return (number.endsWith(".0") ? number.substring(0, number.length() - 2) : number)
        + " "
        + units[i];
  }

  /** Like {@link #format} with an explicit sign: {@code "+640 KB"}, {@code "-80 B"}. */
  public static String signed(long bytes) {
    return (bytes >= 0 ? "+" : "") + format(bytes);
  }

  /** {@code 10000} → {@code "10,000"}. */
  public static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** {@code 1 run}, {@code 1,000 runs}: the count and the noun, plural unless it is one. */
  public static String plural(long n, String noun) {
    return count(n) + " " + noun + (n == 1 ? "" : "s");
  }

  /** {@code 3.0 s}. */
  public static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
