package dev.noleaks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Every Java snippet of the README and of docs/ is quoted from a file of the snippets package, so
 * the build compiles it: each {@code ```java} block must follow a {@code <!-- snippet:
 * File.java#region -->} line and equal the lines between {@code // snippet:region} and {@code //
 * end:region} of that file. The meta-annotation snippet is also run on a leaky and a fixed test.
 */
class SnippetsTest {

  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  static final Path SNIPPETS = Path.of("src/test/java/dev/noleaks/examples/snippets");
  static final Pattern MARKER = Pattern.compile("<!-- snippet: (\\w+\\.java)#([\\w-]+) -->");

  @Test
  void everyJavaSnippetInTheDocsIsQuotedFromACompiledFile() throws IOException {
    List<String> problems = new ArrayList<>();
    Map<String, String> regions = regions();
    TreeSet<String> unquoted = new TreeSet<>(regions.keySet());
    for (Path doc : docs()) {
      List<String> lines = Files.readAllLines(doc);
      for (int i = 0; i < lines.size(); i++) {
        if (!lines.get(i).strip().equals("```java")) {
          continue;
        }
        String where = ROOT.relativize(doc) + ":" + (i + 1);
        int end = i + 1;
        while (end < lines.size() && !lines.get(end).strip().equals("```")) {
          end++;
        }
        String block = String.join("\n", lines.subList(i + 1, end));
        Matcher marker = i > 0 ? MARKER.matcher(lines.get(i - 1).strip()) : MARKER.matcher("");
        if (!marker.matches()) {
          problems.add(where + ": a java block without a <!-- snippet: File.java#region --> line");
        } else {
          String key = marker.group(1) + "#" + marker.group(2);
          unquoted.remove(key);
          String region = regions.get(key);
          if (region == null) {
            problems.add(where + ": no region " + key + " in " + SNIPPETS);
          } else if (!region.equals(block)) {
            problems.add(where + ": differs from " + key + ":\n" + region);
          }
        }
        i = end;
      }
    }
    unquoted.forEach(key -> problems.add(key + " is quoted by no page"));
    assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
  }

  @Test
  void theMetaAnnotationOfTheDocsCatchesALeakAndPassesTheFixedTest() throws Exception {
    Map<String, String> outcomes = new LinkedHashMap<>();
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(Class.forName("dev.noleaks.examples.snippets.MetaAnnotatedExample")))
        .execute()
        .testEvents()
        .finished()
        .stream()
        .forEach(e -> outcomes.put(e.getTestDescriptor().getDisplayName(), failure(e)));
    assertEquals("", outcomes.get("fixedStreamClosed()"));
    assertTrue(
        outcomes.get("leakyStreamNeverClosed()").matches("(?s).*1 file descriptor.*meta\\.txt.*"),
        () -> "leakyStreamNeverClosed(): " + outcomes);
  }

  static String failure(Event event) {
    return event
        .getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class)
        .getThrowable()
        .map(Throwable::getMessage)
        .orElse("");
  }

  static List<Path> docs() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> pages = Files.list(ROOT.resolve("docs"))) {
      pages.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  /** "File.java#region" to the region's lines, indentation removed as far as all share it. */
  static Map<String, String> regions() throws IOException {
    Map<String, String> regions = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> all = Files.list(SNIPPETS)) {
      files = all.sorted().toList();
    }
    Pattern start = Pattern.compile("\\s*// snippet:([\\w-]+)");
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = start.matcher(lines.get(i));
        if (m.matches()) {
          int end = i + 1;
          while (!lines.get(end).strip().equals("// end:" + m.group(1))) {
            end++;
          }
          int first = i + 1;
          int last = end;
          // the formatter may leave a blank line next to a marker: not part of the snippet
          while (first < last && lines.get(first).isBlank()) {
            first++;
          }
          while (last > first && lines.get(last - 1).isBlank()) {
            last--;
          }
          List<String> region = lines.subList(first, last);
          int indent =
              region.stream()
                  .filter(l -> !l.isBlank())
                  .mapToInt(l -> l.length() - l.stripLeading().length())
                  .min()
                  .orElse(0);
          regions.put(
              file.getFileName() + "#" + m.group(1),
              String.join(
                  "\n", region.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList()));
        }
      }
    }
    return regions;
  }
}
