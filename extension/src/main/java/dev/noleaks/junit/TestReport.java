package dev.noleaks.junit;

import dev.noleaks.Check;
import dev.noleaks.LeakError;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.engine.Judgement;
import dev.noleaks.internal.engine.LeakCheck;
import dev.noleaks.internal.engine.Pending;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Trend;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.report.Messages;
import dev.noleaks.internal.report.Recorded;
import dev.noleaks.internal.report.Recorder;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a check says in JUnit: report entries of the readings and findings, a warning once per run
 * for each meter that could not be read, and the failure, named the way a person finds the test.
 */
final class TestReport {

  private static final Logger LOG = Logger.getLogger(NoLeaksExtension.class.getName());
  private static final Set<Check> WARNED_UNAVAILABLE = ConcurrentHashMap.newKeySet();

  private TestReport() {}

  /**
   * Publishes the judgement, and fails the test unless in warn mode: by adding the findings to the
   * test's own assertion failure when it has one (it fails already, and its message comes first),
   * else with a {@link LeakError}.
   */
  static void judged(
      ExtensionContext context,
      Settings s,
      Judgement judgement,
      Optional<FailedAndLeaked> ownFailure) {
    context.publishReportEntry("noleaks.after", judgement.afterReadings());
    for (Finding.Unavailable f : judgement.unavailable()) {
      context.publishReportEntry("noleaks.unavailable." + f.check().key(), Messages.summary(f));
      if (WARNED_UNAVAILABLE.add(f.check())) {
        LOG.warning(() -> Messages.unavailableOncePerRun(f));
      }
    }
    for (String note : judgement.notes()) {
      context.publishReportEntry("noleaks.note", note);
    }
    List<Finding.Leak> findings = judgement.leaks();
    if (findings.isEmpty()) {
      return;
    }
    String message =
        Messages.failure(describe(context), findings, judgement.unavailable(), judgement.notes());
    for (Finding f : findings) {
      context.publishReportEntry("noleaks.leak." + f.check().key(), Messages.summary(f));
    }
    if (s.warnOnly()) {
      warn(Messages.warnedOnly(message, false));
      return;
    }
    if (ownFailure.isPresent()) {
      ownFailure.get().addLeaks(message);
      return;
    }
    throw leakError(context, message);
  }

  /**
   * Hands the check's readings and judgement to the suite report ({@link SuiteReport}), as data,
   * when a listener takes them.
   *
   * @param before the readings before the code, when they were taken
   * @param series in repeated mode, each memory meter's readings run by run
   * @param ownNanos time spent in NoLeaks' callbacks around the test
   */
  static void recorded(
      ExtensionContext context,
      Settings s,
      Optional<Readings> before,
      Judgement judgement,
      List<Trend> series,
      long ownNanos) {
    if (!Recorder.listening()) {
      return;
    }
    Recorder.record(
        new Recorded(
            Recorder.next(),
            context.getUniqueId(),
            context.getDisplayName(),
            describe(context),
            context.getTestClass().map(Class::getName).orElse(""),
            s.warnOnly(),
            s.repeat(),
            before.map(Recorded::meters).orElse(Map.of()),
            before.map(Readings::heapExact).orElse(false),
            Recorded.meters(judgement.after()),
            judgement.after().heapExact() && judgement.heapBound().isEmpty(),
            judgement.heapBound(),
            judgement.leaks().stream().map(Recorded::item).toList(),
            judgement.retainedOnce().stream().map(Recorded::item).toList(),
            judgement.unavailable().stream().map(Recorded::notMeasured).toList(),
            judgement.notes(),
            Recorded.series(series),
            ownNanos));
  }

  /**
   * Reports what a dynamic test leaked, nested in its factory's check: its own assertion failure
   * carries the findings, any other exception it threw stays first with them as suppressed.
   */
  static void judgedDynamic(ExtensionContext context, Settings s, LeakCheck.Nested nested)
      throws Throwable {
    recorded(context, s, Optional.empty(), nested.judgement(), List.of(), 0);
    Throwable failure = nested.thrown().orElse(null);
    Optional<FailedAndLeaked> own = FailedAndLeaked.of(failure, s);
    try {
      judged(context, s, nested.judgement(), own);
    } catch (LeakError leak) {
      if (failure == null) {
        throw leak;
      }
      failure.addSuppressed(leak);
    }
    if (failure != null) {
      throw own.isPresent() ? own.get() : failure;
    }
  }

  /**
   * Fails the class naming every test whose leftovers were still there when it ended (or warns,
   * when every such test only warns).
   */
  static void classEnded(ExtensionContext context, List<Pending.Overdue> late) {
    if (late.isEmpty()) {
      return;
    }
    List<Map.Entry<String, Finding>> byTest = new ArrayList<>();
    boolean fails = false;
    for (Pending.Overdue p : late) {
      Finding f = p.stillThere();
      context.publishReportEntry("noleaks.leak." + f.check().key(), Messages.overdue(p.test(), f));
      byTest.add(Map.entry(p.test(), f));
      fails |= !p.warnOnly();
    }
    String message = Messages.stillThereAtClassEnd(context.getDisplayName(), byTest);
    if (Recorder.listening()) {
      Recorder.record(classRecord(context, late, !fails));
    }
    if (fails) {
      throw new LeakError(message);
    }
    warn(Messages.warnedOnly(message, true));
  }

  /**
   * The report's record of a class whose tests' leftovers were still there when it ended: no
   * readings of its own, a finding per test, each naming the test.
   */
  private static Recorded classRecord(
      ExtensionContext context, List<Pending.Overdue> late, boolean warnOnly) {
    List<Recorded.Item> findings = new ArrayList<>();
    for (Pending.Overdue p : late) {
      if (p.stillThere() instanceof Finding.Leak leak) {
        findings.add(Recorded.item(leak).of(p.test()));
      }
    }
    return new Recorded(
        Recorder.next(),
        context.getUniqueId(),
        context.getDisplayName(),
        context.getDisplayName() + " (class end)",
        context.getTestClass().map(Class::getName).orElse(""),
        warnOnly,
        0,
        Map.of(),
        false,
        Map.of(),
        false,
        java.util.OptionalLong.empty(),
        findings,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        0);
  }

  /** Repeated mode refuses a {@code @TestFactory}: it would repeat building its dynamic tests. */
  static ExtensionConfigurationException factoryRepeated(ExtensionContext context, Settings s) {
    return new ExtensionConfigurationException(
        Messages.factoryRepeated(describe(context), s.repeat()));
  }

  /** Logs a finding that fails nothing (warn mode). */
  private static void warn(String message) {
    LOG.warning(() -> message);
  }

  /**
   * The test as people find it: {@code EdgeTest.parameterized() [2] input=b} for an invocation of a
   * {@code @ParameterizedTest} or {@code @RepeatedTest}, and the factory followed by the dynamic
   * test's display name for a dynamic test; the class and method otherwise.
   */
  static String describe(ExtensionContext context) {
    Optional<ExtensionContext> parent = context.getParent();
    if (parent.isPresent() && parent.get().getTestMethod().isPresent()) {
      return describe(parent.get()) + " " + context.getDisplayName();
    }
    String className = context.getTestClass().map(Class::getSimpleName).orElse("");
    return context
        .getTestMethod()
        .map(m -> className + "." + m.getName() + "()")
        .orElse(context.getDisplayName());
  }

  /**
   * A leak error whose stack trace is the test method, where a person looks, rather than NoLeaks'
   * own callback. The line is not known (no frame of the method is on the stack any more), the file
   * is the top-level class's.
   */
  private static LeakError leakError(ExtensionContext context, String message) {
    LeakError error = new LeakError(message);
    Optional<Method> method = context.getTestMethod();
    if (method.isPresent()) {
      Class<?> declaring = method.get().getDeclaringClass();
      Class<?> topLevel = declaring;
      while (topLevel.getEnclosingClass() != null) {
        topLevel = topLevel.getEnclosingClass();
      }
      error.setStackTrace(
          new StackTraceElement[] {
            new StackTraceElement(
                declaring.getName(), method.get().getName(), topLevel.getSimpleName() + ".java", -1)
          });
    }
    return error;
  }
}
