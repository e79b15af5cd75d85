package dev.noleaks.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.noleaks.internal.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The suite report as a build writes it: real tests run through the JUnit Platform launcher (which
 * loads listeners as Maven, Gradle and IDEs do) leak and pass for real, and the report's JSON, its
 * schema, the merged HTML of two test JVMs' files and the summary say so.
 */
class SuiteReportTest {

  static final Path SCHEMA = Path.of("../docs/report.schema.json");

  /** What the fixtures keep open or alive on purpose, released after each test here. */
  static final List<Closeable> KEPT = new ArrayList<>();

  static final List<byte[]> GROWN = new ArrayList<>();

  @TempDir Path directory;

  @AfterEach
  void release() throws IOException {
    for (Closeable c : KEPT) {
      c.close();
    }
    KEPT.clear();
    GROWN.clear();
  }

  /** Opens a file and keeps it open: a descriptor leaked. */
  static void keepOpen() throws IOException {
    Path file = Files.createTempFile("noleaks-report-", ".txt");
    file.toFile().deleteOnExit();
    KEPT.add(new FileInputStream(file.toFile()));
  }

  @NoLeaks
  static class Leaky {
    @Test
    void keepsAFileOpen() throws IOException {
      keepOpen();
    }

    @Test
    void closesWhatItOpens() throws IOException {
      Path file = Files.createTempFile("noleaks-report-", ".txt");
      try (FileInputStream in = new FileInputStream(file.toFile())) {
        assertThat(in.read()).isEqualTo(-1);
      } finally {
        Files.delete(file);
      }
    }

    @Test
    @NoLeaks(mode = NoLeaks.Mode.WARN)
    void keepsAFileOpenButOnlyWarns() throws IOException {
      keepOpen();
    }
  }

  @NoLeaks(repeat = 20, warmup = 5)
  static class Repeated {
    @Test
    void keepsKilobytesEveryRun() {
      GROWN.add(new byte[4096]);
    }
  }

  /**
   * Runs the fixtures through a launcher with only the report's listener, printing to {@code out}.
   */
  static void launch(
      Path directory, PrintStream out, List<Class<?>> fixtures, String... parameters) {
    LauncherDiscoveryRequestBuilder request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(fixtures.stream().map(c -> selectClass(c)).toList())
            .configurationParameter(Settings.PREFIX + "report.directory", directory.toString());
    for (int i = 0; i < parameters.length; i += 2) {
      request.configurationParameter(parameters[i], parameters[i + 1]);
    }
    LauncherDiscoveryRequest built = request.build();
    LauncherFactory.create(
            LauncherConfig.builder()
                .enableTestExecutionListenerAutoRegistration(false)
                .addTestExecutionListeners(new SuiteReport(out))
                .build())
        .execute(built);
  }

  static List<Path> runFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(f -> f.getFileName().toString().matches("noleaks-.*-\\d+-\\d+(-\\d+)?\\.json"))
          .sorted()
          .toList();
    }
  }

  static JsonNode test(JsonNode run, String method) {
    for (JsonNode t : run.get("tests")) {
      if (t.get("test").asString().endsWith("." + method + "()")) {
        return t;
      }
    }
    throw new AssertionError("no test " + method + " in " + run);
  }

  @Test
  void writesEveryCheckedTestAsTheSchemaSays() throws IOException {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    launch(
        directory,
        new PrintStream(printed, true, StandardCharsets.UTF_8),
        List.of(Leaky.class, Repeated.class));

    List<Path> files = runFiles(directory);
    assertThat(files).hasSize(1);
    String json = Files.readString(files.get(0));
    List<Error> errors =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(Files.readString(SCHEMA), InputFormat.JSON)
            .validate(json, InputFormat.JSON);
    assertThat(errors).as("schema errors").isEmpty();

    JsonNode run = new ObjectMapper().readTree(json);
    assertThat(run.get("schemaVersion").asInt()).isEqualTo(1);
    assertThat(run.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
    assertThat(run.get("tests")).hasSize(4);

    JsonNode leaked = test(run, "keepsAFileOpen");
    assertThat(leaked.get("verdict").asString()).isEqualTo("leaked");
    assertThat(leaked.get("outcome").asString()).isEqualTo("failed");
    JsonNode finding = leaked.get("findings").get(0);
    assertThat(finding.get("meter").asString()).isEqualTo("descriptors");
    assertThat(finding.get("kind").asString()).isEqualTo("descriptors-leaked");
    assertThat(finding.get("amount").asDouble()).isEqualTo(1);
    assertThat(finding.get("where").get(0).asString()).contains("noleaks-report-");
    assertThat(finding.get("message").asString()).startsWith("1 file descriptor leaked: ");
    assertThat(leaked.get("after").get("descriptors").asLong())
        .isEqualTo(leaked.get("before").get("descriptors").asLong() + 1);

    JsonNode clean = test(run, "closesWhatItOpens");
    assertThat(clean.get("verdict").asString()).isEqualTo("passed");
    assertThat(clean.get("outcome").asString()).isEqualTo("successful");
    assertThat(clean.get("findings")).isEmpty();
    assertThat(clean.get("before").get("heapAfterGc").asBoolean()).isTrue();

    JsonNode warned = test(run, "keepsAFileOpenButOnlyWarns");
    assertThat(warned.get("verdict").asString()).isEqualTo("warned");
    assertThat(warned.get("outcome").asString()).isEqualTo("successful");
    assertThat(warned.get("findings").get(0).get("kind").asString())
        .isEqualTo("descriptors-leaked");

    JsonNode repeated = test(run, "keepsKilobytesEveryRun");
    assertThat(repeated.get("verdict").asString()).isEqualTo("leaked");
    assertThat(repeated.get("repeat").asInt()).isEqualTo(20);
    JsonNode heapTrend = repeated.get("findings").get(0);
    assertThat(heapTrend.get("kind").asString()).isEqualTo("trend-grew");
    assertThat(heapTrend.get("unit").asString()).isEqualTo("bytes/run");
    // 4,112 B per run are kept (array header and data); the readings are the whole heap after
    // GC, so what the JVM frees beside them may take a few hundred bytes off: a quarter of slack.
    assertThat(heapTrend.get("amount").asDouble()).isGreaterThanOrEqualTo(3 * 1024);
    JsonNode heapSeries = series(repeated, "heap").orElseThrow();
    assertThat(heapSeries.get("readings")).hasSize(21);
    JsonNode readings = heapSeries.get("readings");
    assertThat(readings.get(20).asLong() - readings.get(0).asLong())
        .isGreaterThanOrEqualTo(20 * 3 * 1024);

    String summary = printed.toString(StandardCharsets.UTF_8);
    assertThat(summary)
        .contains("[NoLeaks] 4 tests checked: 1 passed, 2 leaked, 1 warned")
        .contains("leaked by kind: descriptors 1, heap 1")
        .contains("warned (noleaks.mode=warn, not failed): 1")
        .contains("Leaky.keepsAFileOpenButOnlyWarns(): 1 file descriptor leaked: ")
        .contains("NoLeaks' own time: ")
        .contains("report: " + directory.resolve("report.html").toAbsolutePath());
    assertThat(summary.lines().count()).isLessThanOrEqualTo(25);
  }

  static Optional<JsonNode> series(JsonNode test, String meter) {
    for (JsonNode s : test.get("series")) {
      if (s.get("meter").asString().equals(meter)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  @Test
  void twoTestJvmsFilesMergeInOneHtmlReport() throws IOException {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    launch(directory, quiet, List.of(Leaky.class));
    release();
    launch(directory, quiet, List.of(Repeated.class));

    assertThat(runFiles(directory)).hasSize(2);
    String html = Files.readString(directory.resolve("report.html"));
    String open = "<script id=\"noleaks-runs\" type=\"application/json\">";
    String runs =
        html.substring(
            html.indexOf(open) + open.length(), html.indexOf("</script>", html.indexOf(open)));
    JsonNode merged = new ObjectMapper().readTree(runs);
    assertThat(merged).hasSize(2);
    List<String> tests = new ArrayList<>();
    merged.forEach(run -> run.get("tests").forEach(t -> tests.add(t.get("test").asString())));
    assertThat(tests)
        .contains(
            "Leaky.keepsAFileOpen()",
            "Leaky.closesWhatItOpens()",
            "Repeated.keepsKilobytesEveryRun()");
    assertThat(html).doesNotContain("/*uplot.js*/", "/*runs*/", "<script src=", "<link ");
    assertThat(html).contains("uPlot");
  }

  @Test
  void writesNothingWhenOff() throws IOException {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    launch(
        directory,
        new PrintStream(printed, true, StandardCharsets.UTF_8),
        List.of(Leaky.class),
        Settings.PREFIX + "report",
        "off");
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files).isEmpty();
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aBadSettingNamesTheKeyTheValueAndTheAcceptedForm() {
    assertThatThrownBy(
            () -> Settings.Report.of(key -> Optional.ofNullable(Map.of("report", "yes").get(key))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("noleaks.report: \"yes\" is not valid; expected on or off");
    assertThatThrownBy(
            () ->
                Settings.Report.of(
                    key -> Optional.ofNullable(Map.of("report.directory", " ").get(key))))
        .hasMessageStartingWith(
            "noleaks.report.directory: \" \" is not valid; expected a directory");
    Settings.Report defaults = Settings.Report.of(key -> Optional.empty());
    assertThat(defaults.on()).isTrue();
    assertThat(defaults.directory()).isEqualTo(Path.of("target/noleaks"));
  }
}
