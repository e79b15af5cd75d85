package dev.noleaks.junit;

import dev.noleaks.internal.engine.Judgement;
import dev.noleaks.internal.engine.LeakCheck;
import dev.noleaks.internal.engine.Pending;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.report.Messages;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The JUnit Jupiter extension behind {@link NoLeaks}: it runs one {@link LeakCheck} around each
 * checked test. The check begins before any {@code @BeforeEach} method (descriptors, threads,
 * buffers, native memory), reads the heap right before the test method (so fixtures kept in fields
 * are not growth), runs the method (in repeated mode {@code warmup + N} times, calling it
 * reflectively: interceptors registered after this extension wrap only the first run, JUnit's
 * {@code @Timeout} all of them) and ends after every {@code @AfterEach} method. What it found is
 * reported by {@link TestReport}; a test's own assertion failure keeps its place and carries the
 * findings. What a class's tests leave on their way out is checked again when the class ends.
 *
 * <p>{@code @NoLeaks} registers it. To check every test of a suite without annotating each, enable
 * JUnit's extension auto-detection ({@code junit.jupiter.extensions.autodetection.enabled=true})
 * and set {@code noleaks.scope=all}.
 */
public class NoLeaksExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        BeforeTestExecutionCallback,
        AfterEachCallback,
        InvocationInterceptor,
        TestExecutionExceptionHandler {

  private static final Namespace NAMESPACE = Namespace.create(NoLeaksExtension.class);
  private static final String PARALLEL = "junit.jupiter.execution.parallel.enabled";
  private static final String OWN_TIME = "ownTime";

  @Override
  public void beforeAll(ExtensionContext context) {
    context
        .getStore(NAMESPACE)
        .put(Pending.class, new Pending(context.getRequiredTestClass().getSimpleName()));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Pending pending = context.getStore(NAMESPACE).remove(Pending.class, Pending.class);
    TestReport.classEnded(context, pending.overdue());
  }

  /** The class of the last test whose heap baseline was read: sequential execution only. */
  private static final java.util.concurrent.atomic.AtomicReference<Class<?>> LAST_CLASS =
      new java.util.concurrent.atomic.AtomicReference<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    long start = System.nanoTime();
    Optional<TestSettings.Checked> settings = TestSettings.of(context);
    if (settings.isPresent()) {
      TestSettings.Checked t = settings.get();
      ExtensionContext.Store store = context.getStore(NAMESPACE);
      store.put(
          LeakCheck.class,
          LeakCheck.begin(t.settings(), t.isolated(), TestReport.describe(context)));
      store.put(OWN_TIME, new AtomicLong(System.nanoTime() - start));
    }
  }

  @Override
  public void beforeTestExecution(ExtensionContext context) {
    long start = System.nanoTime();
    LeakCheck check = check(context);
    if (check != null) {
      // Under parallel execution another test may have run since the last check: no baseline
      // derived from that check's final reading.
      boolean parallel =
          context.getConfigurationParameter(PARALLEL, Boolean::parseBoolean).orElse(false);
      // A class's first test reads its baseline after a GC: what the class before released in
      // its @AfterAll methods would hide growth from a derived or estimated one (see SingleRun).
      // Estimated only for a method that may run twice.
      boolean factory =
          context
              .getTestMethod()
              .filter(m -> AnnotationSupport.isAnnotated(m, TestFactory.class))
              .isPresent();
      Class<?> testClass = context.getRequiredTestClass();
      boolean sameClass = LAST_CLASS.getAndSet(testClass) == testClass;
      Readings before = check.measureHeap(!parallel && sameClass, !parallel && !factory);
      ExtensionContext.Store store = context.getStore(NAMESPACE);
      store.put(Readings.class, before);
      context.publishReportEntry("noleaks.before", Messages.readings(before));
      check.startingNow(); // what the report entry allocated is not the test's
      ownTime(store).addAndGet(System.nanoTime() - start);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    long start = System.nanoTime();
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    LeakCheck check = store.remove(LeakCheck.class, LeakCheck.class);
    if (check != null) {
      Optional<Pending> classEnd = Optional.ofNullable(store.get(Pending.class, Pending.class));
      Judgement judgement = check.end(classEnd, TestReport.describe(context));
      TestReport.recorded(
          context,
          check.settings(),
          Optional.ofNullable(store.remove(Readings.class, Readings.class)),
          judgement,
          check.series(),
          ownTime(store).addAndGet(System.nanoTime() - start));
      TestReport.judged(
          context, check.settings(), judgement, FailedAndLeaked.takenFrom(store, context));
    }
  }

  /** The time spent in this extension's callbacks around a test, for the suite report. */
  private static AtomicLong ownTime(ExtensionContext.Store store) {
    return store.getOrComputeIfAbsent(OWN_TIME, k -> new AtomicLong(), AtomicLong.class);
  }

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    run(invocation, invocationContext, check(extensionContext));
  }

  /** Each invocation of a {@code @ParameterizedTest} or {@code @RepeatedTest} is its own check. */
  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    run(invocation, invocationContext, check(extensionContext));
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
    LeakCheck check = check(extensionContext);
    if (check != null && check.repeats()) {
      invocation.skip();
      throw TestReport.factoryRepeated(extensionContext, check.settings());
    }
    return invocation.proceed();
  }

  /**
   * In single-run mode each dynamic test of a {@code @TestFactory} is a check of its own, nested in
   * the factory's, so that a leak is blamed on the dynamic test that made it, not on the factory.
   */
  @Override
  public void interceptDynamicTest(
      Invocation<Void> invocation,
      DynamicTestInvocationContext invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    LeakCheck factory = check(extensionContext);
    if (factory == null || factory.repeats()) {
      invocation.proceed();
      return;
    }
    TestReport.judgedDynamic(
        extensionContext, factory.settings(), factory.nested(invocation::proceed));
  }

  /** A checked test's own assertion failure goes on as a copy that can carry the findings. */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    LeakCheck check = check(context);
    if (check != null) {
      Optional<FailedAndLeaked> copy =
          FailedAndLeaked.keptIn(context.getStore(NAMESPACE), check.settings(), throwable);
      if (copy.isPresent()) {
        throw copy.get();
      }
    }
    throw throwable;
  }

  /**
   * Runs the test method: once (and a second time when its memory grew, see {@link NoLeaks.Rerun}),
   * or in repeated mode as many times as the check needs. {@code Invocation.proceed()} may be
   * called once only, so further runs call the method themselves ({@code ReflectionSupport}
   * rethrows the method's own exception, not an {@code InvocationTargetException}).
   */
  private static void run(
      Invocation<Void> invocation, ReflectiveInvocationContext<Method> method, LeakCheck check)
      throws Throwable {
    if (check == null) {
      invocation.proceed();
      return;
    }
    Object[] arguments = method.getArguments().toArray();
    LeakCheck.Body again =
        () ->
            ReflectionSupport.invokeMethod(
                method.getExecutable(), method.getTarget().orElse(null), arguments);
    if (check.repeats()) {
      invocation.skip();
      check.run(again, again);
    } else {
      check.run(invocation::proceed, again);
    }
  }

  /** The check of this test, or of the factory a dynamic test belongs to; null when none. */
  private static LeakCheck check(ExtensionContext context) {
    return context.getStore(NAMESPACE).get(LeakCheck.class, LeakCheck.class);
  }
}
