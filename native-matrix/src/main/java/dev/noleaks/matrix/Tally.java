package dev.noleaks.matrix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads the JUnit XML reports that native-matrix/run's launches wrote and prints the matrix: per
 * case and cell (JDK × flag), how many runs caught the leak or failed the clean case, and for the
 * leaks how often the finding named the case's own line (the line marked {@code // site: Name} in
 * its source) or, without Native Memory Tracking, the flag. Every run that did not go as a case
 * should is listed after the table with the first lines of what it said.
 *
 * <p>{@code java -cp … dev.noleaks.matrix.Tally RESULTS_DIR SOURCE_DIR}: RESULTS_DIR holds one
 * directory per cell ({@code jdk17-nmt}, …), each one per run ({@code 01}, …) with the launcher's
 * {@code TEST-junit-jupiter.xml}.
 */
public final class Tally {

  private static final String FLAG = "-XX:NativeMemoryTracking=summary";
  private static final Pattern SITE = Pattern.compile("// site: (\\w+)");

  /** What one case did in one run. */
  record Outcome(
      String cell,
      String run,
      String testCase,
      boolean failed,
      boolean nativeFinding,
      boolean siteNamed,
      boolean flagNamed,
      boolean saysNotSeen,
      boolean notMeasured,
      String said) {}

  private Tally() {}

  public static void main(String[] args) throws Exception {
    Path results = Path.of(args[0]);
    Map<String, String> siteFrames = siteFrames(Path.of(args[1]));
    List<String> cells;
    try (Stream<Path> s = Files.list(results)) {
      cells = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    }
    List<Outcome> outcomes = new ArrayList<>();
    Map<String, Integer> runs = new TreeMap<>();
    Map<String, List<String>> missing = new TreeMap<>();
    Map<String, Integer> summaryNamedFlag = new TreeMap<>();
    for (String cell : cells) {
      List<Path> dirs;
      try (Stream<Path> s = Files.list(results.resolve(cell))) {
        dirs = s.filter(Files::isDirectory).sorted().toList();
      }
      runs.put(cell, dirs.size());
      for (Path dir : dirs) {
        Path console = dir.resolve("console.txt");
        if (Files.exists(console)
            && Files.readString(console).lines().anyMatch(Tally::summaryNamesTheFlag)) {
          summaryNamedFlag.merge(cell, 1, Integer::sum);
        }
        Path xml = dir.resolve("TEST-junit-jupiter.xml");
        Path seed = dir.resolve("seed.txt");
        String run =
            dir.getFileName()
                + (Files.exists(seed) ? " (seed " + Files.readString(seed).strip() + ")" : "");
        if (Files.exists(xml)) {
          outcomes.addAll(read(cell, run, xml, siteFrames));
        } else {
          missing.computeIfAbsent(cell, k -> new ArrayList<>()).add(dir.getFileName().toString());
        }
      }
    }
    print(cells, runs, missing, outcomes);
    System.out.println();
    System.out.println(
        "the end-of-run summary said native memory was judged without "
            + FLAG
            + ": "
            + cells.stream()
                .map(c -> c + " in " + summaryNamedFlag.getOrDefault(c, 0) + " of " + runs.get(c))
                .collect(Collectors.joining(", ")));
  }

  /** NoLeaks' summary line on the standard output of a JVM without Native Memory Tracking. */
  private static boolean summaryNamesTheFlag(String line) {
    return line.contains("native memory judged without Native Memory Tracking")
        && line.contains(FLAG);
  }

  /** The frame a finding shows for each case's marked line, by case (binary class name). */
  static Map<String, String> siteFrames(Path sources) throws IOException {
    Map<String, String> frames = new TreeMap<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        List<String> lines = Files.readAllLines(file);
        String outer = file.getFileName().toString().replace(".java", "");
        for (int i = 0; i < lines.size(); i++) {
          Matcher m = SITE.matcher(lines.get(i));
          if (m.find()) {
            String binary = "dev.noleaks.matrix." + outer + "$" + m.group(1);
            frames.put(binary, binary + ".test(" + file.getFileName() + ":" + (i + 1) + ")");
          }
        }
      }
    }
    return frames;
  }

  static List<Outcome> read(String cell, String run, Path xml, Map<String, String> siteFrames)
      throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    NodeList cases =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(xml.toFile())
            .getElementsByTagName("testcase");
    for (int i = 0; i < cases.getLength(); i++) {
      Element c = (Element) cases.item(i);
      String className = c.getAttribute("classname");
      Optional<Element> failure = first(c, "failure").or(() -> first(c, "error"));
      String out = text(c, "system-out");
      String message =
          failure.map(f -> f.getAttribute("message") + "\n" + f.getTextContent()).orElse("");
      String said =
          failure.isPresent()
              ? failure.get().getAttribute("message")
              : entries(out, "noleaks.unavailable.native", "noleaks.note");
      String frame = siteFrames.get(className);
      outcomes.add(
          new Outcome(
              cell,
              run,
              className.substring(className.lastIndexOf('.') + 1),
              failure.isPresent(),
              // a finding's line, not "(in its first run native memory grew …)" under another one
              message.contains("- native memory grew"),
              frame != null && message.contains(frame),
              // a miss's note ("retained once … may be one") or "not measured" names it too
              (failure.isPresent() ? message : said).contains(FLAG),
              message.contains("not seen by the allocation hooks"),
              failure.isEmpty() && out.contains("noleaks.unavailable.native"),
              said));
    }
    return outcomes;
  }

  /** The report entries with these keys, as the launcher's XML writes them into system-out. */
  private static String entries(String out, String... keys) {
    return out.lines()
        .map(String::strip)
        .filter(l -> Stream.of(keys).anyMatch(k -> l.startsWith("- " + k)))
        .collect(Collectors.joining("\n"));
  }

  /** The text of every such element: the launcher writes report entries in a second system-out. */
  private static String text(Element parent, String tag) {
    NodeList l = parent.getElementsByTagName(tag);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < l.getLength(); i++) {
      text.append(l.item(i).getTextContent()).append('\n');
    }
    return text.toString();
  }

  private static Optional<Element> first(Element parent, String tag) {
    NodeList l = parent.getElementsByTagName(tag);
    return l.getLength() == 0 ? Optional.empty() : Optional.of((Element) l.item(0));
  }

  private static boolean leaky(String testCase) {
    return testCase.contains("$Keeps");
  }

  static void print(
      List<String> cells,
      Map<String, Integer> runs,
      Map<String, List<String>> missing,
      List<Outcome> outcomes) {
    Map<String, Map<String, List<Outcome>>> byCase = new LinkedHashMap<>();
    outcomes.stream()
        .sorted(
            (a, b) ->
                leaky(a.testCase()) != leaky(b.testCase())
                    ? (leaky(a.testCase()) ? -1 : 1)
                    : a.testCase().compareTo(b.testCase()))
        .forEach(
            o ->
                byCase
                    .computeIfAbsent(o.testCase(), k -> new TreeMap<>())
                    .computeIfAbsent(o.cell(), k -> new ArrayList<>())
                    .add(o));
    System.out.println(
        "runs per cell: "
            + runs.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", ")));
    missing.forEach((cell, dirs) -> System.out.println(cell + ": no JUnit report in runs " + dirs));
    System.out.println();
    System.out.println("| case | " + String.join(" | ", cells) + " |");
    System.out.println("|---|" + "---|".repeat(cells.size()));
    byCase.forEach(
        (testCase, perCell) -> {
          StringBuilder row = new StringBuilder("| " + testCase + " |");
          for (String cell : cells) {
            row.append(' ')
                .append(cell(testCase, perCell.getOrDefault(cell, List.of())))
                .append(" |");
          }
          System.out.println(row);
        });
    System.out.println();
    System.out.println(
        "Leaks: caught = failed with a native finding; site = the finding named the case's own"
            + " line; flag = it named "
            + FLAG
            + "; says not seen = it said the allocation hooks did not see the bytes; passed"
            + " naming the flag = a miss whose note (retained once, may be a leak) or not-measured"
            + " entry named it; failed"
            + " otherwise = failed with no native finding. Clean: failed = false failures.");
    List<Outcome> odd =
        outcomes.stream()
            .filter(
                o ->
                    leaky(o.testCase())
                        ? !(o.siteNamed() || o.flagNamed() || o.saysNotSeen())
                            || (!o.nativeFinding() && o.failed())
                        : o.failed() || o.notMeasured())
            .toList();
    if (!odd.isEmpty()) {
      System.out.println();
      System.out.println("Runs that did not go as their case should:");
      for (Outcome o : odd) {
        System.out.println(
            "- "
                + o.cell()
                + " run "
                + o.run()
                + " "
                + o.testCase()
                + ": "
                + (o.failed() ? "failed" : o.notMeasured() ? "not measured" : "passed")
                + (o.said().isBlank() ? "" : "\n    " + head(o.said(), 6).replace("\n", "\n    ")));
      }
    }
  }

  private static String cell(String testCase, List<Outcome> runs) {
    if (runs.isEmpty()) {
      return "–";
    }
    long n = runs.size();
    long failed = runs.stream().filter(Outcome::failed).count();
    long notMeasured = runs.stream().filter(Outcome::notMeasured).count();
    String extra = notMeasured > 0 ? ", " + notMeasured + " not measured" : "";
    if (!leaky(testCase)) {
      return failed + "/" + n + " failed" + extra;
    }
    long caught = runs.stream().filter(Outcome::nativeFinding).count();
    long site = runs.stream().filter(Outcome::siteNamed).count();
    long flag = runs.stream().filter(o -> o.nativeFinding() && o.flagNamed()).count();
    long notSeen = runs.stream().filter(o -> o.nativeFinding() && o.saysNotSeen()).count();
    long missedNamingTheFlag =
        runs.stream().filter(o -> !o.nativeFinding() && !o.failed() && o.flagNamed()).count();
    long other = runs.stream().filter(o -> o.failed() && !o.nativeFinding()).count();
    return caught
        + "/"
        + n
        + " caught"
        + (site > 0 ? ", site " + site : "")
        + (flag > 0 ? ", flag " + flag : "")
        + (notSeen > 0 ? ", says not seen " + notSeen : "")
        + (missedNamingTheFlag > 0 ? ", passed naming the flag " + missedNamingTheFlag : "")
        + (other > 0 ? ", " + other + " failed otherwise" : "")
        + extra;
  }

  private static String head(String text, int lines) {
    return text.lines().limit(lines).collect(Collectors.joining("\n"));
  }
}
