package dev.noleaks.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The summary's lists that a run of real tests on this machine does not show (a meter not measured,
 * a first use), and its bound of one screen.
 */
class SummaryTest {

  static Recorded test(
      String name, List<Recorded.Item> retained, List<Recorded.NotMeasured> unavailable) {
    return test(name, retained, unavailable, Map.of());
  }

  static Recorded test(
      String name,
      List<Recorded.Item> retained,
      List<Recorded.NotMeasured> unavailable,
      Map<String, Long> after) {
    return new Recorded(
        Recorder.next(),
        "[test:" + name + "]",
        name + "()",
        "ExampleTest." + name + "()",
        "com.example.ExampleTest",
        false,
        0,
        Map.of(),
        false,
        after,
        false,
        OptionalLong.empty(),
        List.of(),
        retained,
        unavailable,
        List.of(),
        List.of(),
        2_000_000);
  }

  static SuiteRun run(List<Recorded> tests) {
    return new SuiteRun(
        "example",
        1,
        1,
        Instant.EPOCH,
        Instant.EPOCH,
        tests.stream().map(t -> new SuiteRun.Tested(t, "successful")).toList());
  }

  @Test
  void groupsMetersNotMeasuredByReasonAndListsFirstUses() {
    Recorded.NotMeasured noGc =
        new Recorded.NotMeasured("heap", "heap not measured: System.gc() is disabled");
    Recorded.Item firstUse =
        new Recorded.Item(
            "heap",
            "heap-grew",
            700_000,
            "bytes",
            "heap grew 700 KB",
            "heap grew 700 KB",
            List.of());
    String summary =
        Summary.of(
            run(
                List.of(
                    test("a", List.of(), List.of(noGc)),
                    test("b", List.of(firstUse), List.of(noGc)))),
            Path.of("/reports/report.html"));
    assertThat(summary.lines())
        .containsExactly(
            "[NoLeaks] 2 tests checked: 2 unavailable",
            "  retained once (a first use, not a leak): 1",
            "    ExampleTest.b(): heap grew 700 KB",
            "  not measured: 1",
            "    heap not measured: System.gc() is disabled (2 tests)",
            "  NoLeaks' own time: 0.0 s",
            "  report: /reports/report.html");
  }

  @Test
  void saysWhenNativeMemoryWasJudgedWithoutNativeMemoryTracking() {
    String summary =
        Summary.of(
            run(
                List.of(
                    test("a", List.of(), List.of(), Map.of("native", 30_000_000L)),
                    test(
                        "b",
                        List.of(),
                        List.of(),
                        Map.of("native", 30_000_000L, "jvmMalloc", 20_000_000L)),
                    test("c", List.of(), List.of(), Map.of("heap", 9_000_000L)))),
            Path.of("/reports/report.html"));
    assertThat(summary.lines())
        .contains(
            "  native memory judged without Native Memory Tracking in 1 test: the JVM's own malloc"
                + " is not taken out of glibc's figures; start the test JVM with"
                + " -XX:NativeMemoryTracking=summary");
  }

  @Test
  void saysHowManyRetainedNativeMemoryOnceWithoutNativeMemoryTracking() {
    Recorded.Item firstUse =
        new Recorded.Item(
            "native",
            "native-grew",
            4_000_000,
            "bytes",
            "native memory grew 3.8 MB",
            "native memory grew 3.8 MB",
            List.of());
    Map<String, Long> withoutNmt = Map.of("native", 30_000_000L);
    String summary =
        Summary.of(
            run(
                List.of(
                    test("a", List.of(firstUse), List.of(), withoutNmt),
                    test("b", List.of(), List.of(), withoutNmt))),
            Path.of("/reports/report.html"));
    assertThat(summary.lines())
        .contains(
            "  native memory judged without Native Memory Tracking in 2 tests (in 1 of them it was"
                + " retained once, which may be a leak that NMT would show: each test's note says"
                + " why): the JVM's own malloc is not taken out of glibc's figures; start the test"
                + " JVM with -XX:NativeMemoryTracking=summary");
  }

  @Test
  void staysOnOneScreen() {
    List<Recorded> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(
          test(
              "t" + i,
              List.of(),
              List.of(new Recorded.NotMeasured("native", "native memory not measured: " + i))));
    }
    String summary = Summary.of(run(many), Path.of("/reports/report.html"));
    assertThat(summary.lines().count()).isLessThanOrEqualTo(12);
    assertThat(summary).contains("    … and 35 more in the report");
  }
}
