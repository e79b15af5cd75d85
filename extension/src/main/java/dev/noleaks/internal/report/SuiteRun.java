package dev.noleaks.internal.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked tests of one test JVM's run, in run order, and its file in the report directory:
 * {@code noleaks-<build>-<pid>-<start>.json}, in the JSON form {@code docs/report.schema.json}
 * describes. Each fork of a build writes its own; {@link HtmlReport} reads them all.
 *
 * @param build what ran the tests: the working directory's name (the module, under Maven)
 * @param pid the test JVM's process id
 * @param run which launcher run of the JVM this is: from the second on (a launcher inside a test),
 *     its number ends the file's name
 * @param started when the JVM started
 * @param finished when the run ended
 * @param tests the checked tests, each with JUnit's outcome
 */
public record SuiteRun(
    String build, long pid, int run, Instant started, Instant finished, List<Tested> tests) {

  /** The JSON schema's version this class writes. */
  public static final int SCHEMA_VERSION = 1;

  /** The prefix of every run's file, which the HTML report looks for. */
  static final String FILE_PREFIX = "noleaks-";

  public SuiteRun {
    tests = List.copyOf(tests);
  }

  /**
   * A checked test and JUnit's outcome of it.
   *
   * @param outcome {@code successful}, {@code failed} or {@code aborted}
   */
  public record Tested(Recorded recorded, String outcome) {}

  /** NoLeaks' own time over the whole run, in nanoseconds. */
  public long ownNanos() {
    return tests.stream().mapToLong(t -> t.recorded().ownNanos()).sum();
  }

  /** This run's file name. */
  public String fileName() {
    String safe = build.replaceAll("[^A-Za-z0-9._-]", "_");
    return FILE_PREFIX
        + safe
        + "-"
        + pid
        + "-"
        + started.toEpochMilli()
        + (run > 1 ? "-" + run : "")
        + ".json";
  }

  /**
   * Writes this run's file in {@code directory} (made if missing), whole or not at all: written
   * beside it, then moved over it, so that a fork reading the directory never sees half a file.
   */
  public Path writeTo(Path directory) {
    try {
      Files.createDirectories(directory);
      Path file = directory.resolve(fileName());
      Path partial = Files.createTempFile(directory, ".noleaks-", ".part");
      Files.writeString(partial, Json.write(json()));
      return Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the NoLeaks report in " + directory, e);
    }
  }

  /** This run as the schema's JSON object. */
  Map<String, Object> json() {
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("schemaVersion", SCHEMA_VERSION);
    file.put("build", build);
    file.put("pid", pid);
    file.put("run", run);
    file.put("started", started.toString());
    file.put("finished", finished.toString());
    file.put("ownTimeMillis", ownNanos() / 1_000_000);
    file.put("tests", tests.stream().map(SuiteRun::json).toList());
    return file;
  }

  private static Map<String, Object> json(Tested tested) {
    Recorded r = tested.recorded();
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("sequence", r.sequence());
    t.put("uniqueId", r.uniqueId());
    t.put("displayName", r.displayName());
    t.put("test", r.test());
    t.put("className", r.className());
    t.put("outcome", tested.outcome());
    t.put("verdict", r.verdict().key());
    t.put("warnOnly", r.warnOnly());
    t.put("repeat", r.repeat());
    t.put("ownTimeMillis", r.ownNanos() / 1_000_000.0);
    t.put("before", readings(r.before(), r.beforeHeapExact()));
    Map<String, Object> after = readings(r.after(), r.afterHeapExact());
    r.heapBound().ifPresent(bound -> after.put("heapBound", bound));
    t.put("after", after);
    t.put("findings", r.findings().stream().map(SuiteRun::json).toList());
    t.put("retainedOnce", r.retainedOnce().stream().map(SuiteRun::json).toList());
    t.put(
        "unavailable",
        r.unavailable().stream()
            .map(u -> Map.of("meter", u.meter(), "reason", u.reason()))
            .toList());
    t.put("notes", r.notes());
    t.put(
        "series",
        r.series().stream()
            .map(
                s -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("meter", s.meter());
                  m.put("threshold", s.threshold());
                  m.put("readings", s.readings());
                  return m;
                })
            .toList());
    return t;
  }

  private static Map<String, Object> readings(Map<String, Long> meters, boolean heapExact) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("heapAfterGc", heapExact);
    for (String name : Recorded.METERS) {
      if (meters.containsKey(name)) {
        m.put(name, meters.get(name));
      }
    }
    return m;
  }

  private static Map<String, Object> json(Recorded.Item item) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("meter", item.meter());
    f.put("kind", item.kind());
    f.put("amount", item.amount());
    f.put("unit", item.unit());
    f.put("summary", item.summary());
    f.put("message", item.message());
    f.put("where", item.where());
    return f;
  }
}
