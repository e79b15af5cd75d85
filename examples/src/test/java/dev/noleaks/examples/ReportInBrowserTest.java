package dev.noleaks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.noleaks.junit.SuiteReport;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The HTML report of a real run of the examples, drawn by a real browser: the examples run through
 * the JUnit Platform launcher twice into one report directory (as two forks of a build would, the
 * second in warn mode), then headless Chromium loads {@code report.html} from the file system and
 * the page's own record of what it drew is read back from the DOM: every chart drawn (no blank
 * canvas), a row per test of both runs, no script error. Skipped, saying so, where Chromium is not
 * installed ({@code .ci/run} installs it).
 */
class ReportInBrowserTest {

  /**
   * Kept after the build, to be looked at: {@code examples/target/report-in-browser/report.html}.
   */
  static final Path DIRECTORY = Path.of("target/report-in-browser");

  static final List<Class<?>> FIRST_FORK =
      List.of(NativeMemoryExample.class, HandlesExample.class, ListenerExample.class);

  static final List<Class<?>> SECOND_FORK = List.of(ThreadsExample.class, CacheExample.class);

  static final Pattern STATUS = Pattern.compile("<div id=\"noleaks-status\"([^>]*)>([^<]*)</div>");

  static final Pattern ATTRIBUTE = Pattern.compile("data-([a-z]+)=\"([^\"]*)\"");

  @Test
  void theReportOfARealRunDrawsItsChartsInABrowser() throws Exception {
    Optional<Path> chromium = chromium();
    Assumptions.assumeTrue(
        chromium.isPresent(),
        "chromium is not installed (apt-get install chromium; .ci/run installs it): the report is"
            + " not rendered");
    clean(DIRECTORY);
    run(FIRST_FORK);
    run(SECOND_FORK, "noleaks.mode", "warn");
    Path html = DIRECTORY.resolve("report.html").toAbsolutePath();
    assertTrue(Files.isRegularFile(html), html + " was not written");

    String dom = dumpDom(chromium.get(), html);
    Matcher m = STATUS.matcher(dom);
    assertTrue(m.find(), () -> "the page wrote no status; its DOM:\n" + dom);
    Map<String, String> status = new TreeMap<>();
    Matcher a = ATTRIBUTE.matcher(m.group(1));
    while (a.find()) {
      status.put(a.group(1), a.group(2));
    }
    String errors = m.group(2).trim();
    assertEquals("true", status.get("done"), () -> "the page did not finish: " + status);
    assertEquals("0", status.get("errors"), () -> "script errors: " + errors);
    assertEquals("2", status.get("runs"), () -> "both forks' files: " + status);
    int tests = Integer.parseInt(status.get("tests"));
    assertTrue(tests >= 20, () -> "tests of both runs: " + status);
    assertEquals(String.valueOf(tests), status.get("rows"), () -> "a row per test: " + status);
    // 4 suite charts (heap, native, descriptors, threads) and 2 per repeated test (heap, native):
    // ListenerExample and NativeMemoryExample have 4 repeated tests.
    int charts = Integer.parseInt(status.get("charts"));
    assertTrue(charts >= 4 + 2 * 4, () -> "charts drawn: " + status);
    assertEquals("0", status.get("blank"), () -> "blank charts: " + status);
    assertTrue(dom.contains("file descriptor leaked"), "every finding's message is on the page");
  }

  /** Runs the classes through a launcher with the report's listener, as a fork of a build would. */
  static void run(List<Class<?>> classes, String... parameters) {
    LauncherDiscoveryRequestBuilder request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(classes.stream().map(c -> selectClass(c)).toList())
            .configurationParameter("noleaks.report.directory", DIRECTORY.toString());
    for (int i = 0; i < parameters.length; i += 2) {
      request.configurationParameter(parameters[i], parameters[i + 1]);
    }
    LauncherFactory.create(
            LauncherConfig.builder()
                .enableTestExecutionListenerAutoRegistration(false)
                .addTestExecutionListeners(new SuiteReport())
                .build())
        .execute(request.build());
  }

  /**
   * The page's DOM once its script ran: {@code --virtual-time-budget} lets timers and animation
   * frames run before the DOM is dumped.
   */
  static String dumpDom(Path chromium, Path html) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("noleaks-chromium-");
    Path out = Files.createTempFile("noleaks-dom-", ".html");
    try {
      Process p =
          new ProcessBuilder(
                  chromium.toString(),
                  "--headless",
                  "--disable-gpu",
                  "--no-sandbox",
                  "--user-data-dir=" + profile,
                  "--virtual-time-budget=10000",
                  "--dump-dom",
                  html.toUri().toString())
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish in 120 s");
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
      clean(profile);
    }
  }

  /** Chromium on the PATH, if installed. */
  static Optional<Path> chromium() {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .flatMap(dir -> Stream.of("chromium", "chromium-browser").map(n -> Path.of(dir, n)))
        .filter(Files::isExecutable)
        .findFirst();
  }

  static void clean(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
