package dev.noleaks.internal.report;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSON text of maps, lists, text, numbers and booleans: all the report needs, without a JSON
 * library on the users' test class path. {@code <} is written {@code \u003c}, so that the text can
 * stand inside an HTML {@code <script>} element unchanged.
 */
final class Json {

  private Json() {}

  /** {@code value} as JSON, indented by two spaces per level. */
  static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, "");
    return b.append('\n').toString();
  }

  private static void write(StringBuilder b, Object value, String indent) {
    if (value == null) {
      b.append("null");
    } else if (value instanceof Map<?, ?> map) {
      members(b, map.entrySet().iterator(), indent, '{', '}');
    } else if (value instanceof List<?> list) {
      if (list.stream().allMatch(Number.class::isInstance)) {
        b.append('['); // a series on one line
        for (int i = 0; i < list.size(); i++) {
          b.append(i == 0 ? "" : ", ");
          write(b, list.get(i), indent);
        }
        b.append(']');
      } else {
        members(b, list.iterator(), indent, '[', ']');
      }
    } else if (value instanceof Double d) {
      b.append(
          d.isNaN() || d.isInfinite()
              ? "null"
              : d == Math.rint(d) && Math.abs(d) < 1e15
                  ? Long.toString(d.longValue())
                  : threeDecimals(d));
    } else if (value instanceof Number || value instanceof Boolean) {
      b.append(value);
    } else {
      string(b, value.toString());
    }
  }

  private static void members(
      StringBuilder b, Iterator<?> members, String indent, char open, char close) {
    if (!members.hasNext()) {
      b.append(open).append(close);
      return;
    }
    String inner = indent + "  ";
    b.append(open);
    while (members.hasNext()) {
      b.append('\n').append(inner);
      Object member = members.next();
      if (member instanceof Map.Entry<?, ?> e) {
        string(b, e.getKey().toString());
        b.append(": ");
        write(b, e.getValue(), inner);
      } else {
        write(b, member, inner);
      }
      b.append(members.hasNext() ? "," : "");
    }
    b.append('\n').append(indent).append(close);
  }

  /**
   * {@code d} with three decimals, as {@code String.format(Locale.ROOT, "%.3f", d)} writes it, but
   * without a {@link java.util.Formatter}: every checked test's readings write one (its
   * fragmentation), and the formatter was a tenth of a clean check's own time.
   */
  static String threeDecimals(double d) {
    if (!Double.isFinite(d) || Math.abs(d) >= 1e15) {
      return String.format(Locale.ROOT, "%.3f", d);
    }
    long thousandths = Math.round(Math.abs(d) * 1000);
    String fraction = Long.toString(1000 + thousandths % 1000).substring(1);
    return (d < 0 ? "-" : "") + thousandths / 1000 + "." + fraction;
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
