package dev.noleaks.junit;

import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.report.HtmlReport;
import dev.noleaks.internal.report.Recorded;
import dev.noleaks.internal.report.Recorder;
import dev.noleaks.internal.report.SuiteRun;
import dev.noleaks.internal.report.Summary;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * The suite report: a launcher listener, registered through {@code META-INF/services}, so Maven,
 * Gradle and IDEs all load it with no build plugin (Surefire 3.5 drops JUnit's report entries, so
 * without it what NoLeaks recorded reached no report). It takes each checked test's record from the
 * extension when the test finishes, and when the run ends writes the JVM's JSON file, the HTML
 * report of every file in the directory (each fork's) and a summary on the standard output. {@code
 * noleaks.report=off} turns it off; {@code noleaks.report.directory} moves it.
 */
public final class SuiteReport implements TestExecutionListener {

  /** Runs in this JVM so far: a second one (a launcher inside a test) gets a file of its own. */
  private static final AtomicInteger RUNS = new AtomicInteger();

  private final PrintStream out;
  private final List<SuiteRun.Tested> tested = new ArrayList<>();
  private Settings.Report settings;
  private int run;

  /** The listener the launcher loads: it prints to {@code System.out}. */
  public SuiteReport() {
    this(System.out);
  }

  SuiteReport(PrintStream out) {
    this.out = out;
  }

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    try {
      settings =
          Settings.Report.of(
              key -> testPlan.getConfigurationParameters().get(Settings.PREFIX + key));
    } catch (IllegalArgumentException e) {
      // A listener cannot fail the run: say so, and write nothing.
      out.println("[NoLeaks] no report: " + e.getMessage());
      settings = new Settings.Report(false, Path.of(Settings.Report.DEFAULT_DIRECTORY));
    }
    if (settings.on()) {
      run = RUNS.incrementAndGet();
      Recorder.listenerStarted();
    }
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (settings == null || !settings.on()) {
      return;
    }
    Optional<Recorded> recorded = Recorder.take(test.getUniqueId());
    if (recorded.isPresent()) {
      synchronized (tested) { // parallel execution finishes tests on several threads
        tested.add(
            new SuiteRun.Tested(
                recorded.get(), result.getStatus().name().toLowerCase(Locale.ROOT)));
      }
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    if (settings == null || !settings.on()) {
      return;
    }
    Recorder.listenerFinished();
    List<SuiteRun.Tested> inOrder;
    synchronized (tested) {
      inOrder =
          tested.stream().sorted(Comparator.comparingLong(t -> t.recorded().sequence())).toList();
    }
    if (inOrder.isEmpty()) {
      return; // NoLeaks checked nothing here: no report, no summary
    }
    Path cwd = Path.of("").toAbsolutePath();
    SuiteRun suite =
        new SuiteRun(
            cwd.getFileName() == null ? "tests" : cwd.getFileName().toString(),
            ProcessHandle.current().pid(),
            run,
            Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()),
            Instant.now(),
            inOrder);
    try {
      suite.writeTo(settings.directory());
      Path html = HtmlReport.write(settings.directory());
      out.println(Summary.of(suite, html));
    } catch (RuntimeException e) {
      out.println("[NoLeaks] the report could not be written: " + e);
    }
  }
}
