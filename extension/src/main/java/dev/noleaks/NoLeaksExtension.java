package dev.noleaks;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The JUnit Jupiter extension behind {@link NoLeaks}: a baseline of descriptors, threads, buffers
 * and native memory before each test (before any {@code @BeforeEach} method), the heap's right
 * before the test method (after every {@code @BeforeEach} method, so fixtures kept in fields are
 * not growth; after a full GC, or derived from the last one), a snapshot after it (after every
 * {@code @AfterEach} method; settled after a full GC unless nothing can have leaked), and a {@link
 * LeakError} when something leaked. A test's own failure stays its failure: JUnit adds the leak
 * error to it as a suppressed exception.
 *
 * <p>In repeated mode ({@code @NoLeaks(repeat = N)} or {@code noleaks.repeat}) it also intercepts
 * the test method: the method body runs {@code warmup + N} times inside the one {@code
 * BeforeEach}/{@code AfterEach} lifecycle, heap and native memory are judged by their trend over
 * the N measured runs ({@link RepeatedRun}), and descriptors, threads and buffers by the single-run
 * rule over the whole test. The runs call the method reflectively, so invocation interceptors
 * registered after this extension are bypassed; JUnit's own {@code @Timeout} wraps all the runs.
 *
 * <p>{@code @NoLeaks} registers it. To check every test of a suite without annotating each, enable
 * JUnit's extension auto-detection ({@code junit.jupiter.extensions.autodetection.enabled=true})
 * and set {@code noleaks.scope=all}.
 */
public class NoLeaksExtension
    implements BeforeEachCallback,
        BeforeTestExecutionCallback,
        AfterEachCallback,
        InvocationInterceptor,
        TestExecutionExceptionHandler {

  private static final Namespace NAMESPACE = Namespace.create(NoLeaksExtension.class);
  private static final Logger LOG = Logger.getLogger(NoLeaksExtension.class.getName());
  private static final java.util.Set<Check> WARNED_UNAVAILABLE =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final String PARALLEL = "junit.jupiter.execution.parallel.enabled";

  /** Misspelled {@code noleaks.} keys, one per line, looked for once per run. */
  private record KeyCheck(String problems) {}

  /** Heap and native findings of a repeated test method, from the interceptor to afterEach. */
  private record TrendFindings(List<Finding> findings) {}

  @Override
  public void beforeEach(ExtensionContext context) {
    Optional<Settings> settings = settingsFor(context);
    if (settings.isEmpty()) {
      return;
    }
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    if (findAnnotation(context).isEmpty()) {
      // Only noleaks.scope=all brings an unannotated test here; @NoLeaks isolates its tests.
      Concurrency.watch().ifPresent(watch -> store.put(Concurrency.class, watch));
    }
    store.put(SingleRun.Baseline.class, SingleRun.beginResources(settings.get()));
    if (context
        .getTestMethod()
        .filter(m -> AnnotationSupport.isAnnotated(m, TestFactory.class))
        .isPresent()) {
      store.put(DynamicBlame.class, new DynamicBlame());
    }
  }

  /**
   * The heap part of the baseline, after every {@code @BeforeEach} method: a fixture they keep in
   * the test instance is present before and after the test, so it is not growth.
   */
  @Override
  public void beforeTestExecution(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    SingleRun.Baseline resources = store.get(SingleRun.Baseline.class, SingleRun.Baseline.class);
    if (resources == null) {
      return;
    }
    // Under parallel execution another test may have run on another thread since the last check,
    // so the heap baseline is not derived from that check's final reading.
    boolean parallel =
        context.getConfigurationParameter(PARALLEL, Boolean::parseBoolean).orElse(false);
    Meters meters = Meters.get();
    SingleRun.Baseline baseline = SingleRun.measureHeap(meters, resources, !parallel);
    publish(context, "noleaks.before", Verdicts.readings(baseline.snapshot()));
    // The test method starts now: what the report entry allocated is not the test's.
    store.put(SingleRun.Baseline.class, baseline.startingAt(meters.allocations()));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    SingleRun.Baseline baseline =
        context.getStore(NAMESPACE).remove(SingleRun.Baseline.class, SingleRun.Baseline.class);
    if (baseline == null) {
      return;
    }
    SingleRun.Judgement judgement = SingleRun.end(baseline);
    publish(context, "noleaks.after", judgement.afterReadings());
    Concurrency watch = context.getStore(NAMESPACE).remove(Concurrency.class, Concurrency.class);
    TrendFindings trend =
        context.getStore(NAMESPACE).remove(TrendFindings.class, TrendFindings.class);
    int neighbours = watch == null ? 0 : watch.neighbours();
    if (neighbours > 0) {
      // Its readings are its neighbours' as well: nothing is blamed, and it says so.
      judgement = judgement.disturbed(baseline.settings(), Concurrency.reason(neighbours));
      trend = null;
    }
    for (Finding f : judgement.unavailable()) {
      context.publishReportEntry("noleaks.unavailable." + f.check().key(), f.summary());
      if (WARNED_UNAVAILABLE.add(f.check())) {
        LOG.warning(() -> "NoLeaks: " + f.summary() + " (reported once per run)");
      }
    }
    List<Finding> leaks = new ArrayList<>(judgement.leaks());
    if (trend != null) {
      leaks.addAll(trend.findings());
    }
    DynamicBlame blame = context.getStore(NAMESPACE).remove(DynamicBlame.class, DynamicBlame.class);
    if (blame != null) {
      leaks.removeIf(blame::blamed);
    }
    FailedAndLeaked own =
        context.getStore(NAMESPACE).remove(FailedAndLeaked.class, FailedAndLeaked.class);
    report(
        context,
        baseline.settings(),
        leaks,
        judgement.unavailable(),
        Optional.ofNullable(own).filter(o -> context.getExecutionException().orElse(null) == o));
  }

  /**
   * A checked test's own assertion failure goes on as a {@link FailedAndLeaked} copy, so that
   * {@link #afterEach} can add the leak findings to its message, after the test's own. Other
   * exceptions (a test that errs, an assumption that aborts it) pass unchanged; their leak findings
   * are attached as a suppressed {@link LeakError}.
   */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    SingleRun.Baseline baseline =
        context.getStore(NAMESPACE).get(SingleRun.Baseline.class, SingleRun.Baseline.class);
    if (baseline == null
        || baseline.settings().warnOnly()
        || !(throwable instanceof AssertionError failure)
        || throwable instanceof LeakError
        || throwable instanceof FailedAndLeaked) {
      throw throwable;
    }
    FailedAndLeaked copy = FailedAndLeaked.of(failure);
    context.getStore(NAMESPACE).put(FailedAndLeaked.class, copy);
    throw copy;
  }

  /**
   * In single-run mode each dynamic test of a {@code @TestFactory} is checked on its own, so that a
   * leak is blamed on the dynamic test that made it, not on the factory; the factory's own check
   * then leaves out the kinds of leak a dynamic test was already blamed for.
   */
  @Override
  public void interceptDynamicTest(
      Invocation<Void> invocation,
      DynamicTestInvocationContext invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    ExtensionContext.Store store = extensionContext.getStore(NAMESPACE);
    SingleRun.Baseline factory = store.get(SingleRun.Baseline.class, SingleRun.Baseline.class);
    DynamicBlame blame = store.get(DynamicBlame.class, DynamicBlame.class);
    if (factory == null || blame == null || factory.settings().repeated()) {
      invocation.proceed();
      return;
    }
    Settings s = factory.settings();
    Optional<Concurrency> watch =
        findAnnotation(extensionContext).isEmpty() ? Concurrency.watch() : Optional.empty();
    SingleRun.Baseline baseline = SingleRun.begin(s);
    Throwable failure = null;
    try {
      invocation.proceed();
    } catch (Throwable t) {
      failure = t;
    }
    SingleRun.Judgement judgement = SingleRun.end(baseline);
    int neighbours = watch.map(Concurrency::neighbours).orElse(0);
    if (neighbours > 0) {
      judgement = judgement.disturbed(s, Concurrency.reason(neighbours));
    }
    judgement.leaks().forEach(blame::blame);
    Optional<FailedAndLeaked> own =
        failure instanceof AssertionError a && !(failure instanceof LeakError) && !s.warnOnly()
            ? Optional.of(FailedAndLeaked.of(a))
            : Optional.empty();
    try {
      report(extensionContext, s, judgement.leaks(), judgement.unavailable(), own);
    } catch (LeakError leak) {
      if (failure == null) {
        throw leak;
      }
      failure.addSuppressed(leak); // the dynamic test's own failure stays first
    }
    if (failure != null) {
      throw own.isPresent() ? own.get() : failure;
    }
  }

  /** The kinds of leak the dynamic tests of one factory were blamed for. */
  private static final class DynamicBlame {
    private final java.util.Set<Check> checks = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void blame(Finding leak) {
      checks.add(leak.check());
    }

    boolean blamed(Finding leak) {
      return checks.contains(leak.check());
    }
  }

  /**
   * Repeated mode: runs the test method {@code warmup + repeat} times and keeps the trend findings
   * for {@link #afterEach}. A failure in any run ends the repetition and is the test's failure.
   */
  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    repeatOrProceed(invocation, invocationContext, extensionContext);
  }

  /**
   * Each invocation of a {@code @ParameterizedTest} or {@code @RepeatedTest} has its own lifecycle,
   * so in repeated mode each one's body is repeated with that invocation's arguments.
   */
  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    repeatOrProceed(invocation, invocationContext, extensionContext);
  }

  /**
   * Repeating a {@code @TestFactory} would repeat building its dynamic tests, not running them, so
   * repeated mode refuses it rather than measure the wrong thing.
   */
  @Override
  public <T> T interceptTestFactoryMethod(
      Invocation<T> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    SingleRun.Baseline baseline =
        extensionContext
            .getStore(NAMESPACE)
            .get(SingleRun.Baseline.class, SingleRun.Baseline.class);
    if (baseline != null && baseline.settings().repeated()) {
      invocation.skip();
      throw new ExtensionConfigurationException(
          describe(extensionContext)
              + " is a @TestFactory: repeat = "
              + baseline.settings().repeat()
              + " would repeat building its dynamic tests, not running them. Set @NoLeaks(repeat"
              + " = 0) on the factory, or use MemoryAssertions.assertThatRunning(...).repeated(n)"
              + " inside a dynamic test.");
    }
    return invocation.proceed();
  }

  private static void repeatOrProceed(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    SingleRun.Baseline baseline =
        extensionContext
            .getStore(NAMESPACE)
            .get(SingleRun.Baseline.class, SingleRun.Baseline.class);
    if (baseline == null || !baseline.settings().repeated()) {
      invocation.proceed();
      return;
    }
    // Invocation.proceed() may be called once only, so the runs call the method themselves;
    // ReflectionSupport rethrows the method's own exception, not an InvocationTargetException.
    Method method = invocationContext.getExecutable();
    Object target = invocationContext.getTarget().orElse(null);
    Object[] arguments = invocationContext.getArguments().toArray();
    invocation.skip();
    List<Finding> findings =
        RepeatedRun.run(
            baseline.settings(), () -> ReflectionSupport.invokeMethod(method, target, arguments));
    extensionContext.getStore(NAMESPACE).put(TrendFindings.class, new TrendFindings(findings));
  }

  /** In repeated mode heap and native memory are judged by their trend, not the single-run rule. */
  static Settings singleRun(Settings s) {
    if (!s.repeated()) {
      return s;
    }
    return s.without(Check.HEAP, Check.NATIVE);
  }

  /**
   * Native growth without Native Memory Tracking may be the JIT's pooled arenas, handed back to
   * malloc only every 5 s, so it is waited out; with it, native readings are steady.
   */
  static Settler.State settleState(Snapshot candidate, List<Finding> leaks) {
    if (leaks.isEmpty()) {
      return Settler.State.CLEAN;
    }
    boolean drifting =
        !candidate.jvmMalloc().isAvailable()
            && leaks.stream().anyMatch(f -> f.check() == Check.NATIVE);
    return drifting ? Settler.State.DRIFTING : Settler.State.LEFTOVERS;
  }

  /**
   * Publishes the findings, and fails the test unless in warn mode: by adding them to the test's
   * own assertion failure when it has one (it fails already, and its message comes first), else
   * with a {@link LeakError}.
   */
  static void report(
      ExtensionContext context,
      Settings s,
      List<Finding> findings,
      List<Finding> unavailable,
      Optional<FailedAndLeaked> ownFailure) {
    if (findings.isEmpty()) {
      return;
    }
    String message = Verdicts.message(describe(context), findings, unavailable);
    for (Finding f : findings) {
      context.publishReportEntry("noleaks.leak." + f.check().key(), f.summary());
    }
    if (s.warnOnly()) {
      LOG.warning(() -> message + "\n(noleaks.mode=warn: the test is not failed)");
      return;
    }
    if (ownFailure.isPresent()) {
      ownFailure.get().addLeaks(message);
      return;
    }
    throw leakError(context, message);
  }

  /** Replaces a heap finding with one naming the classes that grew, from a fresh histogram. */
  static void explainHeap(List<Finding> findings, Optional<String> before) {
    for (int i = 0; i < findings.size(); i++) {
      Finding f = findings.get(i);
      if (f.check() == Check.HEAP && before.isPresent()) {
        Optional<String> after = ClassHistogram.takeLive();
        if (after.isPresent()) {
          List<ClassHistogram.Growth> grown =
              ClassHistogram.parse(after.get())
                  .grownSince(ClassHistogram.parseKept(before.get()), Rules.TOP_CLASSES);
          findings.set(i, Rules.withClasses(f, grown));
        }
      }
    }
  }

  /**
   * The settings for this test, or empty when the extension has nothing to do: no {@code NoLeaks}
   * annotation and {@code noleaks.scope} is not {@code all}.
   */
  static Optional<Settings> settingsFor(ExtensionContext context) {
    String misspelled =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                KeyCheck.class,
                k -> new KeyCheck(String.join("\n", Settings.unknownKeys(Settings.visibleKeys()))),
                KeyCheck.class)
            .problems();
    if (!misspelled.isEmpty()) {
      throw new ExtensionConfigurationException(misspelled);
    }
    Optional<NoLeaks> annotation = findAnnotation(context);
    Settings.Source config = key -> context.getConfigurationParameter(Settings.PREFIX + key);
    String scope =
        config.parameter("scope").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("annotated");
    if (!scope.equals("annotated") && !scope.equals("all")) {
      throw new ExtensionConfigurationException(
          Settings.PREFIX + "scope: \"" + scope + "\" is not valid; expected annotated or all");
    }
    if (annotation.isEmpty() && !scope.equals("all")) {
      return Optional.empty();
    }
    Settings settings;
    try {
      settings = Settings.resolve(annotation, describe(context), config);
    } catch (IllegalArgumentException bad) {
      throw new ExtensionConfigurationException(bad.getMessage(), bad);
    }
    return settings.checks().isEmpty() ? Optional.empty() : Optional.of(settings);
  }

  /** The nearest {@code @NoLeaks}: on the method, its class, or an enclosing class. */
  static Optional<NoLeaks> findAnnotation(ExtensionContext context) {
    for (Optional<ExtensionContext> c = Optional.of(context);
        c.isPresent();
        c = c.get().getParent()) {
      Optional<AnnotatedElement> element = c.get().getElement();
      if (element.isPresent()) {
        Optional<NoLeaks> found = AnnotationSupport.findAnnotation(element.get(), NoLeaks.class);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
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
  static LeakError leakError(ExtensionContext context, String message) {
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

  private static void publish(ExtensionContext context, String key, String readings) {
    context.publishReportEntry(key, readings);
  }
}
