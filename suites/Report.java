import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads Surefire's XML reports and prints what suites/run promises. Modes:
 *
 * <ul>
 *   <li>{@code compare NAME PLAIN_REPORTS NOLEAKS_REPORTS FIRST [VERDICTS]} — tests run, tests that
 *       fail only with NoLeaks and their findings, findings grouped by check, per-test added time.
 *       FIRST is {@code class} when every test class runs in its own JVM (its first test is the
 *       first in a JVM), else the class Surefire ran first in the one JVM. VERDICTS, when the file
 *       exists, holds what a person judged of findings seen before (see {@link Verdict}): each
 *       finding is printed with its verdict and the tests are counted as true leaks, false alarms
 *       or not judged yet.
 *   <li>{@code suite-time REPORTS} — seconds spent in test classes (sum of the testsuite times).
 *   <li>{@code bench NAME FILE} — FILE holds lines "plain_wall noleaks_wall plain_in noleaks_in"
 *       (seconds), one per alternated pair; prints medians, spread and ratios.
 * </ul>
 */
public class Report {
  /** One test case: its class, name, order within its class, status, time and failure text. */
  record Case(String cls, String name, int index, String status, double seconds, String text) {
    String key() {
      return cls + "#" + name;
    }

    String shortName() {
      return cls.substring(cls.lastIndexOf('.') + 1) + "." + name;
    }

    boolean failed() {
      return status.equals("failure") || status.equals("error");
    }
  }

  /**
   * One line of a verdicts file (a file that does not exist holds none): {@code TEST CHECK VERDICT EVIDENCE}, separated by tabs. TEST is a
   * test's short name ({@code Class.method(params)[index]}) where {@code *} stands for any text;
   * CHECK one of {@link #CHECKS} or {@code *}; VERDICT {@code true} (a real leak) or {@code false}
   * (a false alarm); EVIDENCE one line from the project's code. Blank lines and lines starting
   * with {@code #} are comments. The first line matching a finding decides.
   */
  record Verdict(java.util.regex.Pattern test, String check, boolean leak, String evidence) {
    static List<Verdict> read(Path file) throws Exception {
      List<Verdict> verdicts = new ArrayList<>();
      if (!Files.exists(file)) {
        return verdicts;
      }
      int number = 0;
      for (String line : Files.readAllLines(file)) {
        number++;
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t+");
        if (f.length != 4
            || !(f[1].equals("*") || Arrays.asList(CHECKS).contains(f[1]))
            || !(f[2].equals("true") || f[2].equals("false"))) {
          throw new IllegalArgumentException(
              file + ":" + number + ": expected TEST<tab>CHECK<tab>true|false<tab>EVIDENCE with CHECK"
                  + " one of " + String.join(", ", CHECKS) + " or *, got: " + line);
        }
        String regex = Arrays.stream(f[0].split("\\*", -1))
            .map(java.util.regex.Pattern::quote).reduce((a, b) -> a + ".*" + b).orElseThrow();
        verdicts.add(new Verdict(java.util.regex.Pattern.compile(regex), f[1], f[2].equals("true"), f[3]));
      }
      return verdicts;
    }

    boolean judges(Case c, String finding) {
      return test.matcher(c.shortName()).matches() && (check.equals("*") || check.equals(Report.check(finding)));
    }
  }

  static final String[] CHECKS = {"heap", "native", "descriptors", "threads", "buffers", "other"};

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "compare" ->
          compare(args[1], read(Path.of(args[2])), read(Path.of(args[3])), args[4],
              args.length > 5 ? Verdict.read(Path.of(args[5])) : null);
      case "suite-time" ->
          System.out.printf(
              Locale.ROOT,
              "%.3f%n",
              read(Path.of(args[1])).values().stream().mapToDouble(Case::seconds).sum());
      case "bench" -> bench(args[1], Files.readAllLines(Path.of(args[2])));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  static Map<String, Case> read(Path reports) throws Exception {
    Map<String, Case> cases = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(reports)) {
      files = s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
    }
    var builder = DocumentBuilderFactory.newInstance().newDocumentBuilder();
    for (Path file : files) {
      NodeList list = builder.parse(file.toFile()).getElementsByTagName("testcase");
      for (int i = 0; i < list.getLength(); i++) {
        Element e = (Element) list.item(i);
        String status = "passed";
        String text = "";
        for (String kind : List.of("failure", "error", "skipped")) {
          NodeList found = e.getElementsByTagName(kind);
          if (found.getLength() > 0) {
            status = kind;
            Element f = (Element) found.item(0);
            text = f.getAttribute("message") + "\n" + f.getTextContent();
            break;
          }
        }
        double seconds = e.getAttribute("time").isEmpty() ? 0 : Double.parseDouble(e.getAttribute("time").replace(",", ""));
        Case c = new Case(e.getAttribute("classname"), e.getAttribute("name"), i, status, seconds, text);
        cases.put(c.key(), c);
      }
    }
    return cases;
  }

  /** The NoLeaks findings in a failure text: its "  - ..." lines after "leaked (N findings):". */
  static List<String> findings(String text) {
    List<String> found = new ArrayList<>();
    boolean inside = false;
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (t.contains("leaked (") && t.endsWith("):")) {
        inside = true;
      } else if (inside && t.startsWith("- ")) {
        String f = t.substring(2);
        if (!found.contains(f)) {
          found.add(f);
        }
      } else if (inside && !line.startsWith("    ") && !line.startsWith("\t    ")) {
        inside = false;
      }
    }
    return found;
  }

  static String check(String finding) {
    if (finding.startsWith("heap grew")) return "heap";
    if (finding.startsWith("native memory")) return "native";
    if (finding.contains("file descriptor")) return "descriptors";
    if (finding.contains("thread")) return "threads";
    if (finding.contains("buffer")) return "buffers";
    return "other";
  }

  static void compare(
      String name, Map<String, Case> plain, Map<String, Case> noleaks, String first,
      List<Verdict> verdicts) {
    long plainFailed = plain.values().stream().filter(Case::failed).count();
    long noleaksFailed = noleaks.values().stream().filter(Case::failed).count();
    List<Case> onlyWithNoLeaks =
        noleaks.values().stream()
            .filter(Case::failed)
            .filter(c -> plain.containsKey(c.key()) && !plain.get(c.key()).failed())
            .toList();
    System.out.printf(
        "%s: %d tests run (%d without NoLeaks); failed without NoLeaks %d, with NoLeaks %d;"
            + " fail only with NoLeaks: %d%n",
        name, noleaks.size(), plain.size(), plainFailed, noleaksFailed, onlyWithNoLeaks.size());

    Map<String, Integer> byCheck = new LinkedHashMap<>();
    Arrays.stream(CHECKS).forEach(c -> byCheck.put(c, 0));
    Map<String, Integer> testsByCheck = new LinkedHashMap<>(byCheck);
    for (Case c : noleaks.values()) {
      List<String> f = findings(c.text());
      f.forEach(x -> byCheck.merge(check(x), 1, Integer::sum));
      f.stream().map(Report::check).distinct().forEach(x -> testsByCheck.merge(x, 1, Integer::sum));
    }
    System.out.println("  NoLeaks findings by check (findings / tests): "
        + String.join(", ", byCheck.keySet().stream()
            .map(k -> k + " " + byCheck.get(k) + "/" + testsByCheck.get(k)).toList()));
    System.out.println("  tests that fail only with NoLeaks:");
    int trueLeaks = 0;
    int falseAlarms = 0;
    List<String> notJudged = new ArrayList<>();
    for (Case c : onlyWithNoLeaks) {
      List<String> f = findings(c.text());
      if (f.isEmpty()) {
        String firstLine = c.text().strip().split("\n")[0];
        System.out.println("    " + c.shortName() + "  [no NoLeaks finding] " + cut(firstLine));
      }
      boolean leak = false;
      boolean judged = !f.isEmpty();
      for (String x : f) {
        Verdict v =
            verdicts == null
                ? null
                : verdicts.stream().filter(r -> r.judges(c, x)).findFirst().orElse(null);
        String said = v == null ? "NOT JUDGED" : v.leak() ? "true: " + v.evidence() : "FALSE: " + v.evidence();
        System.out.println("    " + c.shortName() + "  [" + check(x) + "] " + cut(x) + "\n      -> " + said);
        leak |= v != null && v.leak();
        judged &= v != null;
      }
      if (leak) {
        trueLeaks++;
      } else if (judged) {
        falseAlarms++;
      } else {
        notJudged.add(c.shortName());
      }
    }
    if (verdicts != null) {
      System.out.printf(
          "  verdicts (suites/verdicts/%s): %d true leaks, %d false alarms, %d not judged yet%s%n",
          name, trueLeaks, falseAlarms, notJudged.size(),
          notJudged.isEmpty() ? "" : " (" + String.join(", ", notJudged) + ")");
    }
    timing(plain, noleaks, first);
  }

  static String cut(String s) {
    return s.length() > 300 ? s.substring(0, 300) + " …" : s;
  }

  /** Added time per test from Surefire's per-test times, first tests apart from later ones. */
  static void timing(Map<String, Case> plain, Map<String, Case> noleaks, String first) {
    List<Double> firstDeltas = new ArrayList<>();
    List<Double> laterDeltas = new ArrayList<>();
    List<Double> laterPlain = new ArrayList<>();
    List<Double> laterNoLeaks = new ArrayList<>();
    for (Case c : noleaks.values()) {
      Case p = plain.get(c.key());
      if (p == null || c.status().equals("skipped") || p.status().equals("skipped")) {
        continue;
      }
      double delta = (c.seconds() - p.seconds()) * 1000;
      boolean isFirst = c.index() == 0 && (first.equals("class") || first.equals(c.cls()));
      if (isFirst) {
        firstDeltas.add(delta);
      } else {
        laterDeltas.add(delta);
        laterPlain.add(p.seconds() * 1000);
        laterNoLeaks.add(c.seconds() * 1000);
      }
    }
    double sumPlain = plain.values().stream().mapToDouble(Case::seconds).sum();
    double sumNoLeaks = noleaks.values().stream().mapToDouble(Case::seconds).sum();
    System.out.printf(
        Locale.ROOT,
        "  time in tests (sum of Surefire per-test times): %.1f s without, %.1f s with NoLeaks (%.2fx)%n",
        sumPlain, sumNoLeaks, sumNoLeaks / sumPlain);
    System.out.printf(
        Locale.ROOT,
        "  first test in a JVM (%s, %d): added median %.0f ms, min %.0f, max %.0f%n",
        first.equals("class") ? "one JVM per class" : "one JVM, first class " + first,
        firstDeltas.size(), median(firstDeltas), min(firstDeltas), max(firstDeltas));
    System.out.printf(
        Locale.ROOT,
        "  later tests (%d): added median %.1f ms, mean %.1f ms; median test %.1f ms without, %.1f ms with%n",
        laterDeltas.size(), median(laterDeltas),
        laterDeltas.stream().mapToDouble(d -> d).average().orElse(Double.NaN),
        median(laterPlain), median(laterNoLeaks));
  }

  static void bench(String name, List<String> lines) {
    List<double[]> rows =
        lines.stream().filter(l -> !l.isBlank())
            .map(l -> Arrays.stream(l.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray())
            .toList();
    String[] labels = {"wall (mvn test)", "time in tests (Surefire per-test sum)"};
    for (int k = 0; k < 2; k++) {
      int a = 2 * k;
      List<Double> plain = rows.stream().map(r -> r[a]).toList();
      List<Double> noleaks = rows.stream().map(r -> r[a + 1]).toList();
      List<Double> ratios = rows.stream().map(r -> r[a + 1] / r[a]).toList();
      System.out.printf(
          Locale.ROOT,
          "%s %s, %d pairs: without NoLeaks median %.1f s [%.1f–%.1f], with %.1f s [%.1f–%.1f];"
              + " ratio per pair median %.2fx [%.2f–%.2f], median/median %.2fx, min/min %.2fx%n",
          name, labels[k], rows.size(), median(plain), min(plain), max(plain),
          median(noleaks), min(noleaks), max(noleaks),
          median(ratios), min(ratios), max(ratios),
          median(noleaks) / median(plain), min(noleaks) / min(plain));
    }
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) return Double.NaN;
    double[] v = values.stream().mapToDouble(d -> d).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double min(List<Double> values) {
    return values.stream().mapToDouble(d -> d).min().orElse(Double.NaN);
  }

  static double max(List<Double> values) {
    return values.stream().mapToDouble(d -> d).max().orElse(Double.NaN);
  }
}
