package dev.noleaks.junit;

import static dev.noleaks.assertions.MemoryAssertions.assertThatRunning;
import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static dev.noleaks.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.sun.jna.Native;
import dev.noleaks.Check;
import dev.noleaks.LeakError;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.config.Sizes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Event;

/**
 * The edge cases a newcomer hits first: repeat counts, settings that would silently do nothing,
 * sizes and durations as documented, parallel execution, and failures that name the test.
 */
class EdgeCasesTest {

  @AfterEach
  void close() throws Exception {
    LeftOpen.closeAll();
    // The parallel runs' worker threads end a moment after their run: one ending during a later
    // test's repeated runs frees its objects there, a negative heap delta that can hide a leak.
    org.awaitility.Awaitility.await("JUnit's parallel workers ending")
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(
                        t ->
                            t.getClass()
                                .getName()
                                .startsWith("org.junit.platform.engine.support.hierarchical")));
  }

  static final String[] SCOPE_ALL = {
    "junit.jupiter.extensions.autodetection.enabled", "true", "noleaks.scope", "all"
  };

  static String[] with(String[] base, String... more) {
    return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
  }

  // --- 1, 2: repeat counts

  @NoLeaks(repeat = 1)
  static class RepeatOne {
    @Test
    void test() {}
  }

  @NoLeaks
  static class Plain {
    @Test
    void test() {}
  }

  @Test
  void oneToFourRunsAreRefusedAlikeByTheAnnotationTheConfigurationAndTheAssertion() {
    assertThat(failureOf(RepeatOne.class))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessage(
            "@NoLeaks(repeat) on RepeatOne.test(): \"1\" is not valid; expected "
                + Settings.REPEAT_FORM);
    assertThat(failureOf(Plain.class, "noleaks.repeat", "4"))
        .hasMessage("noleaks.repeat: \"4\" is not valid; expected " + Settings.REPEAT_FORM);
    assertThatThrownBy(() -> assertThatRunning(() -> {}).repeated(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("repeated: \"1\" is not valid; expected " + Settings.REPEAT_FORM);
    assertThat(Settings.REPEAT_FORM).startsWith("0 (a single run) or at least 5 measured runs");
  }

  static final AtomicInteger RUNS = new AtomicInteger();

  @NoLeaks(repeat = 0)
  static class ForcedSingleRun {
    @Test
    void test() {
      RUNS.incrementAndGet();
    }
  }

  @NoLeaks(repeat = 0)
  static class SingleRunFactory {
    @TestFactory
    Stream<DynamicTest> tests() {
      return Stream.of(DynamicTest.dynamicTest("one", RUNS::incrementAndGet));
    }
  }

  @Test
  void repeatZeroForcesASingleRunWhereTheConfigurationRepeats() {
    RUNS.set(0);
    assertPasses(ForcedSingleRun.class, "noleaks.repeat", "20");
    assertThat(RUNS).hasValue(1);
    RUNS.set(0);
    // The advice a @TestFactory in repeated mode gets can be followed.
    assertPasses(SingleRunFactory.class, "noleaks.repeat", "10");
    assertThat(RUNS).hasValue(1);
  }

  // --- 3: noleaks.scope=all beside parallel execution

  static class UnannotatedLeak {
    @Test
    void test() throws IOException {
      LeftOpen.file();
    }
  }

  @Test
  void scopeAllChecksTestsThatParallelExecutionRunsOneAtATime() {
    assertThat(
            failureOf(
                UnannotatedLeak.class,
                with(SCOPE_ALL, "junit.jupiter.execution.parallel.enabled", "true")))
        .hasMessageContaining("1 file descriptor leaked");
  }

  static volatile CyclicBarrier together = new CyclicBarrier(2);

  static void meetTheOtherTest() throws Exception {
    together.await(10, TimeUnit.SECONDS);
  }

  static class LeaksBesideAnother {
    @Test
    void test() throws Exception {
      meetTheOtherTest();
      LeftOpen.file();
    }
  }

  static class RunsBesideAnother {
    @Test
    void test() throws Exception {
      meetTheOtherTest();
      byte[][] work = new byte[64][];
      for (int i = 0; i < work.length; i++) {
        work[i] = new byte[1024];
      }
    }
  }

  static final String[] CONCURRENT = {
    "junit.jupiter.execution.parallel.enabled", "true",
    "junit.jupiter.execution.parallel.mode.default", "concurrent",
    "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
    "junit.jupiter.execution.parallel.config.strategy", "fixed",
    "junit.jupiter.execution.parallel.config.fixed.parallelism", "4"
  };

  /**
   * Two unannotated tests made to run at the same time: neither can tell its descriptors from the
   * other's, so neither is blamed, and both say the checks were not measured and how to isolate.
   */
  @Test
  void scopeAllSaysWhatItCouldNotMeasureBesideAConcurrentTest() {
    together = new CyclicBarrier(2);
    EngineExecutionResults results =
        TestKit.run(
            List.of(LeaksBesideAnother.class, RunsBesideAnother.class),
            Stream.concat(Stream.of(SCOPE_ALL), Stream.of(CONCURRENT)).toArray(String[]::new));
    results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
    assertThat(reportEntries(results))
        .filteredOn(e -> e.getKey().equals("noleaks.unavailable.descriptors"))
        .hasSize(2)
        .allSatisfy(
            e ->
                assertThat(e.getValue())
                    .contains("ran tests at the same time")
                    .contains("@NoLeaks on the test or class"));
  }

  // --- 11: fluent assertions beside concurrent tests

  static volatile CountDownLatch assertionDone = new CountDownLatch(1);

  static class AssertsBesideAnother {
    @Test
    void test() throws Exception {
      meetTheOtherTest();
      try {
        assertThatRunning(() -> Native.free(Native.malloc(64)))
            .repeated(20)
            .doesNotLeakNativeMemory();
      } finally {
        assertionDone.countDown();
      }
    }
  }

  static class BusyBesideAnother {
    static volatile Object sink;

    @Test
    void test() throws Exception {
      meetTheOtherTest();
      while (!assertionDone.await(1, TimeUnit.MILLISECONDS)) {
        sink = new byte[256];
      }
    }
  }

  @Test
  void aFluentAssertionBesideAConcurrentTestSaysItCannotMeasureAndHowToIsolate() {
    together = new CyclicBarrier(2);
    assertionDone = new CountDownLatch(1);
    EngineExecutionResults results =
        TestKit.run(List.of(AssertsBesideAnother.class, BusyBesideAnother.class), CONCURRENT);
    List<Event> failed = results.testEvents().failed().list();
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0).getTestDescriptor().getUniqueId().toString())
        .contains("AssertsBesideAnother");
    assertThat(TestKit.thrown(failed.get(0)))
        // One other worker at least: JUnit's pool may add one while a worker waits at the barrier.
        .hasMessageMatching("(?s)cannot check the code: \\d+ other threads? of JUnit's parallel.*")
        .hasMessageContaining("@Isolated");
  }

  /** An isolated test whose code forks work into JUnit's own ForkJoin pool (a parallel stream). */
  @NoLeaks
  static class ParallelStreamInAnIsolatedTest {
    @Test
    void test() {
      assertThatRunning(
              () ->
                  java.util.stream.IntStream.range(0, 200_000)
                      .parallel()
                      .mapToObj(Integer::toString)
                      .mapToInt(String::length)
                      .sum())
          .doesNotLeakThreads();
    }
  }

  @Test
  void theCodesOwnWorkOnJunitsPoolIsNoNeighbourInAnIsolatedTest() {
    assertPasses(ParallelStreamInAnIsolatedTest.class, CONCURRENT);
  }

  // --- 17: threads that only the GC stopped, and threads that end on their own

  /** A thread joins a child that sleeps 300 ms: both end on their own, just after the 200 ms. */
  @NoLeaks(checks = Check.THREADS)
  static class JoinsASlowChild {
    @Test
    void test() {
      Thread child = new Thread(() -> sleep(300), "slow-child");
      Thread parent =
          new Thread(
              () -> {
                try {
                  child.join();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "joining-parent");
      child.start();
      parent.start();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @NoLeaks(checks = Check.THREADS)
  static class TimerNeverCancelled {
    @Test
    void test() throws Exception {
      java.util.Timer timer = new java.util.Timer("edge-timer");
      CountDownLatch ran = new CountDownLatch(1);
      timer.schedule(
          new java.util.TimerTask() {
            @Override
            public void run() {
              ran.countDown();
            }
          },
          0);
      ran.await();
    }
  }

  @Test
  void onlyAnIdleWorkerThatTheGcStoppedIsBlamedOnTheGc() {
    // Failed 5 of 5 when any thread WAITING for 200 ms and gone after the GC was blamed.
    assertPasses(JoinsASlowChild.class);
    assertThat(failureOf(TimerNeverCancelled.class))
        .hasMessageContaining(
            "1 thread never stopped, ended only when the garbage collector ran: \"edge-timer\"");
  }

  // --- 4: settings that would do nothing

  @Test
  void aMisspelledKeyFailsNamingTheKeyItMeant() {
    System.setProperty("noleaks.heap.tolerence", "1 MB");
    try {
      assertThat(failureOf(Plain.class))
          .isInstanceOf(ExtensionConfigurationException.class)
          .hasMessageStartingWith(
              "noleaks.heap.tolerence is not a NoLeaks setting; did you mean"
                  + " noleaks.heap.tolerance?");
      assertThatThrownBy(() -> assertThatRunning(() -> {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("did you mean noleaks.heap.tolerance?");
    } finally {
      System.clearProperty("noleaks.heap.tolerence");
    }
    assertPasses(Plain.class);
  }

  @NoLeaks(checks = Check.HEAP)
  static class ChecksTheHeapOnly {
    @Test
    void test() {}
  }

  @Test
  void aConfigurationThatSkipsWhatAnAnnotationChecksLeavesTheTestUnchecked() {
    // noleaks.skip=heap for the whole run beside @NoLeaks(checks = HEAP): nothing to check, as
    // asked, not a configuration error.
    assertPasses(ChecksTheHeapOnly.class, "noleaks.skip", "heap");
  }

  @Test
  void aNoleaksKeyFarFromEverySettingIsAnotherToolsAndFailsNothing() {
    System.setProperty("noleaks.release.repository", "somewhere");
    try {
      assertPasses(Plain.class);
      assertThatRunning(() -> {}).doesNotLeakThreads();
    } finally {
      System.clearProperty("noleaks.release.repository");
    }
  }

  @NoLeaks(checks = Check.HEAP, skip = Check.HEAP)
  static class ChecksNothing {
    @Test
    void test() {}
  }

  @Test
  void anAnnotationThatLeavesNothingToCheckIsRefused() {
    assertThat(failureOf(ChecksNothing.class))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageStartingWith(
            "@NoLeaks(checks, skip) on ChecksNothing.test(): \"checks [heap] minus skip [heap]\""
                + " is not valid; expected checks and skip that leave at least one check to run");
  }

  @Test
  void theLauncherListenerSaysWhatTheConfigurationLeavesUndone() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Launcher launcher = LauncherFactory.create();
    launcher.execute(
        LauncherDiscoveryRequestBuilder.request()
            .selectors(selectClass(Plain.class))
            .configurationParameter("noleaks.scope", "all")
            .configurationParameter("noleaks.native.tolerence", "1 MB")
            .build(),
        new ConfigurationCheck(new PrintStream(printed, true, StandardCharsets.UTF_8)));
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains(
            "[NoLeaks] noleaks.native.tolerence is not a NoLeaks setting; did you mean"
                + " noleaks.native.tolerance?")
        .contains(
            "[NoLeaks] noleaks.scope=all has no effect: JUnit's extension auto-detection is off");
    // Every launcher (Surefire's, Gradle's, an IDE's) loads it from the jar.
    assertThat(
            java.util.ServiceLoader.load(org.junit.platform.launcher.TestExecutionListener.class)
                .stream()
                .map(java.util.ServiceLoader.Provider::type))
        .contains(ConfigurationCheck.class);
    assertThat(
            ConfigurationCheck.problems(
                List.of("noleaks.scope"),
                k ->
                    java.util.Optional.ofNullable(
                        Map.of("noleaks.scope", "all", ConfigurationCheck.AUTODETECTION, "true")
                            .get(k))))
        .isEmpty();
  }

  // --- 5: sizes and durations as their messages say

  @Test
  void sizesAndDurationsAreParsedAsTheirMessagesSay() {
    assertThat(Sizes.parse("512")).isEqualTo(512);
    assertThat(Sizes.parse("1.5 MB")).isEqualTo(1_500_000);
    assertThat(Sizes.ACCEPTED).contains("\"1.5 MB\"").contains("a bare number being bytes");
    assertThatThrownBy(() -> Sizes.parse("1.5 B"))
        .hasMessageContaining("is not a whole number of bytes");
    assertThat(Settings.parseDuration("noleaks.settle.timeout", "0")).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> Settings.parseDuration("noleaks.settle.timeout", "5"))
        .hasMessage(
            "noleaks.settle.timeout: \"5\" is not valid; expected " + Settings.DURATION_FORM);
    assertThat(Settings.DURATION_FORM).contains("or 0");
    // A bare number is bytes: 600,000 B, the order of the default (JUnit's own bookkeeping for
    // one test is ~1 KB, so a tolerance of a few hundred bytes would fail a clean test).
    assertPasses(Plain.class, "noleaks.settle.timeout", "0", "noleaks.heap.tolerance", "600000");
  }

  // --- 7, 8: failures name the invocation and point at the test

  @NoLeaks
  static class Parameterized {
    @ParameterizedTest
    @ValueSource(strings = {"keeps-closed", "leaks"})
    void opens(String what) throws IOException {
      if (what.equals("leaks")) {
        LeftOpen.file();
      }
    }
  }

  @Test
  void aLeakingInvocationIsNamedByItsArguments() {
    EngineExecutionResults results = TestKit.run(Parameterized.class);
    List<Event> failed = results.testEvents().failed().list();
    assertThat(failed).hasSize(1);
    assertThat(TestKit.thrown(failed.get(0)))
        // JUnit 6 quotes string arguments in display names: [2] "leaks".
        .hasMessageMatching(
            "(?s)Parameterized\\.opens\\(\\) \\[2] \"?leaks\"? leaked \\(1 finding\\):.*");
  }

  @NoLeaks
  static class Factory {
    @TestFactory
    Stream<DynamicTest> files() {
      return Stream.of(
          DynamicTest.dynamicTest("reads and closes", () -> {}),
          DynamicTest.dynamicTest("opens and forgets", LeftOpen::file),
          DynamicTest.dynamicTest("reads again", () -> {}));
    }
  }

  @Test
  void aLeakInADynamicTestIsBlamedOnItNotOnTheFactory() {
    EngineExecutionResults results = TestKit.run(Factory.class);
    List<Event> failed = results.allEvents().failed().list();
    assertThat(failed)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getTestDescriptor().getDisplayName()).isEqualTo("opens and forgets");
              assertThat(TestKit.thrown(e))
                  .hasMessageStartingWith(
                      "Factory.files() opens and forgets leaked (1 finding):\n  - 1 file"
                          + " descriptor leaked: ");
            });
    results.testEvents().assertStatistics(stats -> stats.succeeded(2).failed(1));
  }

  // --- 6: a test that fails and leaks

  @NoLeaks
  static class FailsAndLeaks {
    @Test
    void test() throws IOException {
      LeftOpen.file();
      org.junit.jupiter.api.Assertions.assertEquals(42, 6 * 9, "the answer");
    }
  }

  record Point(int x, int y) {}

  @NoLeaks
  static class ComparesRecords {
    @Test
    void test() {
      org.junit.jupiter.api.Assertions.assertEquals(new Point(1, 2), new Point(1, 3));
    }
  }

  @Test
  void theCopyOfAFailureKeepsWhatAnIdeDiffsEvenForValuesThatAreNotSerializable() {
    org.opentest4j.AssertionFailedError failure =
        (org.opentest4j.AssertionFailedError) failureOf(ComparesRecords.class);
    assertThat(failure.getExpected().getStringRepresentation()).isEqualTo("Point[x=1, y=2]");
    assertThat(failure.getActual().getStringRepresentation()).isEqualTo("Point[x=1, y=3]");
  }

  @NoLeaks
  static class ErrsAndLeaks {
    @Test
    void test() throws IOException {
      LeftOpen.file();
      throw new IOException("disk gone");
    }
  }

  @Test
  void aTestThatFailsAndLeaksShowsItsOwnFailureFirstAndTheLeakInTheSameMessage() {
    Throwable failure = failureOf(FailsAndLeaks.class);
    assertThat(failure)
        .isInstanceOf(org.opentest4j.AssertionFailedError.class)
        .hasMessageStartingWith("the answer ==> expected: <42> but was: <54>")
        .hasMessageContaining(
            "\n\nFailsAndLeaks.test() leaked (1 finding):\n  - 1 file descriptor leaked: ");
    org.opentest4j.AssertionFailedError afe = (org.opentest4j.AssertionFailedError) failure;
    assertThat(afe.getExpected().getValue()).isEqualTo(42);
    assertThat(afe.getActual().getValue()).isEqualTo(54);
    assertThat(failure.toString())
        .startsWith("org.opentest4j.AssertionFailedError: the answer ==> expected: <42>");
    assertThat(failure.getStackTrace()[0].getMethodName())
        .isNotEqualTo("handleTestExecutionException");
    // An error that is no assertion stays as it is; the leak is attached to it.
    Throwable error = failureOf(ErrsAndLeaks.class);
    assertThat(error).isInstanceOf(IOException.class).hasMessage("disk gone");
    assertThat(error.getSuppressed())
        .singleElement()
        .isInstanceOf(LeakError.class)
        .extracting(Throwable::getMessage)
        .asString()
        .contains("1 file descriptor leaked");
  }

  @NoLeaks
  static class LeaksAFile {
    @Test
    void opensAndForgets() throws IOException {
      LeftOpen.file();
    }
  }

  @Test
  void aLeakErrorPointsAtTheTestMethod() {
    Throwable leak = failureOf(LeaksAFile.class);
    assertThat(leak).isInstanceOf(LeakError.class);
    StackTraceElement top = leak.getStackTrace()[0];
    assertThat(top.getClassName()).isEqualTo(LeaksAFile.class.getName());
    assertThat(top.getMethodName()).isEqualTo("opensAndForgets");
    assertThat(top.getFileName()).isEqualTo("EdgeCasesTest.java");
  }

  @NoLeaks
  static class AssertsATimeoutPreemptively {
    @Test
    void test() {
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
          Duration.ofSeconds(5), () -> Thread.sleep(10));
    }
  }

  /** JUnit's thread for the call ends a moment after it returns: JUnit's, not a leak. */
  @org.junit.jupiter.api.RepeatedTest(3)
  void junitsOwnTimeoutThreadIsNotALeak() {
    assertPasses(AssertsATimeoutPreemptively.class);
  }

  /** Run once: a second run would excuse any thread only the first started. */
  @NoLeaks(checks = Check.THREADS, rerun = NoLeaks.Rerun.NEVER)
  static class DrawsAnImage {
    @Test
    void test() {
      System.setProperty("java.awt.headless", "true");
      java.awt.image.BufferedImage image =
          new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
      java.awt.Graphics2D g = image.createGraphics();
      g.fillRect(0, 0, 8, 8);
      g.dispose();
    }
  }

  /**
   * AWT's first image starts the "Java2D Disposer" thread, which lives with the JVM: the JDK's, not
   * a leak (the first run in a JVM is the one that can fail without the built-in ignore).
   */
  @org.junit.jupiter.api.RepeatedTest(2)
  void awtsDisposerThreadIsNotALeak() {
    assertPasses(DrawsAnImage.class);
  }
}
