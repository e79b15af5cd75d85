package dev.noleaks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The extension's packages depend one way only: the shared words, then configuration, measuring,
 * judging, reporting, the engine, and on top the two faces (JUnit and the assertions), which do not
 * depend on each other. Read from the main sources: a use of a class of another package needs an
 * import or a qualified name, so those are the dependencies (comments and strings left out; an
 * import only for javadoc counts too). Strict layers also mean no cycle between packages.
 */
class PackageLayersTest {

  static final Path SOURCES = Path.of("src/main/java");

  /** Each package's layer: a package may use only packages of a lower layer (and the probes). */
  static final Map<String, Integer> LAYERS =
      Map.of(
          "dev.noleaks", 0,
          "dev.noleaks.internal.config", 1,
          "dev.noleaks.internal.measure", 2,
          "dev.noleaks.internal.judge", 3,
          "dev.noleaks.internal.report", 4,
          "dev.noleaks.internal.engine", 5,
          "dev.noleaks.junit", 6,
          "dev.noleaks.assertions", 6);

  /** The native probes: another module, below every package here. */
  static final String PROBES = "dev.noleaks.probe";

  static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");

  /** A qualified name of a class of ours: lower-case package segments, then a class name. */
  static final Pattern QUALIFIED = Pattern.compile("\\b(dev\\.noleaks(?:\\.[a-z_]\\w*)*)\\.[A-Z]");

  static final Pattern COMMENT_OR_STRING =
      Pattern.compile(
          "(?s)/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\])'");

  @Test
  void everyPackageUsesOnlyLowerLayers() throws IOException {
    Map<String, TreeSet<String>> uses = uses();
    assertThat(uses).as("main packages found under %s", SOURCES.toAbsolutePath()).isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (var e : uses.entrySet()) {
      String from = e.getKey();
      if (!LAYERS.containsKey(from)) {
        problems.add(from + " has no layer: add it to PackageLayersTest.LAYERS");
        continue;
      }
      for (String to : e.getValue()) {
        if (to.equals(from) || to.equals(PROBES)) {
          continue;
        }
        Integer layer = LAYERS.get(to);
        if (layer == null || layer >= LAYERS.get(from)) {
          problems.add(from + " uses " + to);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  /** The packages each main package names, from its imports and qualified names. */
  static Map<String, TreeSet<String>> uses() throws IOException {
    Map<String, TreeSet<String>> uses = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(SOURCES)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path file : files) {
      String code = COMMENT_OR_STRING.matcher(Files.readString(file)).replaceAll(" ");
      Matcher pkg = PACKAGE.matcher(code);
      if (!pkg.find()) {
        continue;
      }
      TreeSet<String> used = uses.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
      Matcher name = QUALIFIED.matcher(code);
      while (name.find()) {
        used.add(name.group(1));
      }
    }
    return uses;
  }
}
