package dev.noleaks.junit;

import dev.noleaks.Check;
import dev.noleaks.LeakError;
import dev.noleaks.internal.config.Lingering;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.engine.Judgement;
import dev.noleaks.internal.engine.LeakCheck;
import dev.noleaks.internal.engine.Pending;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.measure.Concurrency;
import dev.noleaks.internal.report.Messages;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
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
 * The JUnit Jupiter extension behind {@link NoLeaks}: it runs one {@link LeakCheck} around each
 * checked test. The check begins before any {@code @BeforeEach} method (descriptors, threads,
 * buffers, native memory), reads the heap right before the test method (so fixtures kept in fields
 * are not growth), runs the method (in repeated mode {@code warmup + N} times, calling it
 * reflectively: interceptors registered after this extension wrap only the first run, JUnit's
 * {@code @Timeout} all of them) and ends after every {@code @AfterEach} method. What it found is
 * reported by {@link TestReport}; a test's own assertion failure keeps its place and carries the
 * findings.
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

  /** Stored by a class NoLeaks is registered on: its unique id, the owner of deferred checks. */
  private static final String CLASS_SCOPE = "class scope";

  /**
   * Marks the class: what its tests leave on its way out ({@link Lingering}) is checked again at
   * its end rather than waited for after each test.
   */
  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NAMESPACE).put(CLASS_SCOPE, context.getUniqueId());
  }

  /**
   * Checks again what the class's tests left on its way out, waiting until each is gone or its
   * linger has passed, and fails the class naming every test whose leftovers are still there.
   */
  @Override
  public void afterAll(ExtensionContext context) {
    List<Pending> late = Pending.overdue(LeakCheck.meters(), context.getUniqueId());
    if (late.isEmpty()) {
      return;
    }
    StringBuilder message =
        new StringBuilder(
            context.getDisplayName() + ": what tests left on its way out was still there:");
    boolean fails = false;
    for (Pending p : late) {
      Finding f = Left.stillThere(p.left(), p.settings().lingering().linger());
      context.publishReportEntry(
          "noleaks.leak." + f.check().key(), p.test() + ": " + Messages.summary(f));
      message.append("\n  - ").append(p.test()).append(": ").append(Messages.summary(f));
      fails |= !p.settings().warnOnly();
    }
    if (fails) {
      throw new LeakError(message.toString());
    }
    TestReport.warn(message + "\n(noleaks.mode=warn: nothing is failed)");
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Optional<Settings> settings = TestSettings.of(context);
    if (settings.isPresent()) {
      ExtensionContext.Store store = context.getStore(NAMESPACE);
      boolean isolated = TestSettings.isolated(context);
      Concurrency.isolated(isolated);
      store.put(LeakCheck.class, LeakCheck.begin(settings.get(), !isolated));
      if (context.getTestMethod().filter(m -> isFactory(m)).isPresent()) {
        store.put(DynamicBlame.class, new DynamicBlame());
      }
    }
  }

  @Override
  public void beforeTestExecution(ExtensionContext context) {
    LeakCheck check = check(context);
    if (check != null) {
      // Under parallel execution another test may have run since the last check: no baseline
      // derived from that check's final reading.
      boolean parallel =
          context.getConfigurationParameter(PARALLEL, Boolean::parseBoolean).orElse(false);
      context.publishReportEntry("noleaks.before", Messages.readings(check.measureHeap(!parallel)));
      check.startingNow(); // what the report entry allocated is not the test's
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    LeakCheck check = store.remove(LeakCheck.class, LeakCheck.class);
    if (check == null) {
      return;
    }
    Concurrency.isolated(false);
    Judgement judgement = lingerLater(context, check.settings(), check.end());
    DynamicBlame blame = store.remove(DynamicBlame.class, DynamicBlame.class);
    if (blame != null) {
      judgement = judgement.without(blame::blamed);
    }
    FailedAndLeaked own = store.remove(FailedAndLeaked.class, FailedAndLeaked.class);
    TestReport.judged(
        context,
        check.settings(),
        judgement,
        Optional.ofNullable(own).filter(o -> context.getExecutionException().orElse(null) == o));
  }

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    run(invocation, invocationContext, extensionContext);
  }

  /** Each invocation of a {@code @ParameterizedTest} or {@code @RepeatedTest} is its own check. */
  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    run(invocation, invocationContext, extensionContext);
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
      throw new ExtensionConfigurationException(
          TestReport.describe(extensionContext)
              + " is a @TestFactory: repeat = "
              + check.settings().repeat()
              + " would repeat building its dynamic tests, not running them. Set @NoLeaks(repeat"
              + " = 0) on the factory, or use MemoryAssertions.assertThatRunning(...).repeated(n)"
              + " inside a dynamic test.");
    }
    return invocation.proceed();
  }

  /**
   * In single-run mode each dynamic test of a {@code @TestFactory} is a check of its own, so that a
   * leak is blamed on the dynamic test that made it, not on the factory; the factory's own check
   * then leaves out the kinds of leak a dynamic test was already blamed for.
   */
  @Override
  public void interceptDynamicTest(
      Invocation<Void> invocation,
      DynamicTestInvocationContext invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    LeakCheck factory = check(extensionContext);
    DynamicBlame blame =
        extensionContext.getStore(NAMESPACE).get(DynamicBlame.class, DynamicBlame.class);
    if (factory == null || blame == null || factory.repeats()) {
      invocation.proceed();
      return;
    }
    Settings s = factory.settings();
    LeakCheck check = LeakCheck.begin(s, !TestSettings.isolated(extensionContext));
    check.measureHeap(false);
    check.startingNow();
    Throwable failure = null;
    try {
      check.run(invocation::proceed, null); // proceed() runs once: no second run
    } catch (Throwable t) {
      failure = t;
    }
    Judgement judgement = check.endWaitingForLingering();
    judgement.leaks().forEach(blame::blame);
    Optional<FailedAndLeaked> own =
        FailedAndLeaked.copies(failure) && !s.warnOnly()
            ? Optional.of(FailedAndLeaked.of((AssertionError) failure))
            : Optional.empty();
    try {
      TestReport.judged(extensionContext, s, judgement, own);
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

  /**
   * A checked test's own assertion failure goes on as a {@link FailedAndLeaked} copy, so that
   * {@link #afterEach} can add the leak findings to its message, after the test's own. Other
   * exceptions (a test that errs, an assumption that aborts it, an assertion error of a class of
   * its own such as {@code MultipleFailuresError}) pass unchanged; their leak findings are attached
   * as a suppressed {@link LeakError}.
   */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    LeakCheck check = check(context);
    if (check == null || check.settings().warnOnly() || !FailedAndLeaked.copies(throwable)) {
      throw throwable;
    }
    FailedAndLeaked copy = FailedAndLeaked.of((AssertionError) throwable);
    context.getStore(NAMESPACE).put(FailedAndLeaked.class, copy);
    throw copy;
  }

  /**
   * Runs the test method: once (and a second time when its memory grew, see {@link NoLeaks.Rerun}),
   * or in repeated mode as many times as the check needs.
   */
  private static void run(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    LeakCheck check = check(extensionContext);
    if (check == null) {
      invocation.proceed();
      return;
    }
    // Invocation.proceed() may be called once only, so further runs call the method themselves;
    // ReflectionSupport rethrows the method's own exception, not an InvocationTargetException.
    Method method = invocationContext.getExecutable();
    Object target = invocationContext.getTarget().orElse(null);
    Object[] arguments = invocationContext.getArguments().toArray();
    LeakCheck.Body again = () -> ReflectionSupport.invokeMethod(method, target, arguments);
    if (check.repeats()) {
      invocation.skip();
      check.run(again, again);
    } else {
      check.run(invocation::proceed, again);
    }
  }

  /**
   * Leaves what is on its way out to be checked again at the end of the class NoLeaks is registered
   * on, with a note saying so; without one (NoLeaks registered on the method only), waits for it
   * now.
   */
  private static Judgement lingerLater(
      ExtensionContext context, Settings settings, Judgement judgement) {
    if (judgement.lingering().isEmpty()) {
      return judgement;
    }
    String owner = context.getStore(NAMESPACE).get(CLASS_SCOPE, String.class);
    if (owner == null) {
      return LeakCheck.awaitLingering(settings, judgement, System.nanoTime());
    }
    java.time.Duration linger = settings.lingering().linger();
    Pending.defer(
        new Pending(
            TestReport.describe(context),
            owner,
            judgement.lingering(),
            System.nanoTime() + linger.toNanos(),
            settings));
    return judgement
        .lingeringJudged(Optional.empty())
        .with(List.of(), Messages.onTheirWayOut(judgement.lingering().described(), linger));
  }

  /** The check of this test, or of the factory a dynamic test belongs to; null when none. */
  private static LeakCheck check(ExtensionContext context) {
    return context.getStore(NAMESPACE).get(LeakCheck.class, LeakCheck.class);
  }

  private static boolean isFactory(Method m) {
    return AnnotationSupport.isAnnotated(m, TestFactory.class);
  }

  /** The kinds of leak the dynamic tests of one factory were blamed for. */
  private static final class DynamicBlame {
    private final Set<Check> checks = ConcurrentHashMap.newKeySet();

    void blame(Finding leak) {
      checks.add(leak.check());
    }

    boolean blamed(Finding leak) {
      return checks.contains(leak.check());
    }
  }
}
