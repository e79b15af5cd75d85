package dev.noleaks;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit Jupiter extension behind {@link NoLeaks}: a settled snapshot before each test (before
 * any {@code @BeforeEach} method) and after it (after every {@code @AfterEach} method), and a
 * {@link LeakError} when something leaked. A test's own failure stays its failure: JUnit adds the
 * leak error to it as a suppressed exception.
 *
 * <p>{@code @NoLeaks} registers it. To check every test of a suite without annotating each, enable
 * JUnit's extension auto-detection ({@code junit.jupiter.extensions.autodetection.enabled=true})
 * and set {@code noleaks.scope=all}.
 */
public class NoLeaksExtension implements BeforeEachCallback, AfterEachCallback {

  private static final Namespace NAMESPACE = Namespace.create(NoLeaksExtension.class);
  private static final Logger LOG = Logger.getLogger(NoLeaksExtension.class.getName());
  private static final String PARALLEL = "junit.jupiter.execution.parallel.enabled";

  /** What the extension keeps for one test between its before and after callbacks. */
  private record Baseline(Settings settings, Snapshot snapshot, Optional<String> histogram) {}

  @Override
  public void beforeEach(ExtensionContext context) {
    Optional<Settings> settings = settingsFor(context);
    if (settings.isEmpty()) {
      return;
    }
    Meters meters = Meters.get();
    Settings s = settings.get();
    Settler.collectGarbage();
    Optional<String> histogram = s.checks(Check.HEAP) ? ClassHistogram.take() : Optional.empty();
    if (s.checks(Check.NATIVE)) {
      Settler.awaitCompilerQuiet(meters.compilation());
    }
    Snapshot before = meters.capture(true);
    context.getStore(NAMESPACE).put(Baseline.class, new Baseline(s, before, histogram));
    publish(context, "noleaks.before", before);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Baseline baseline = context.getStore(NAMESPACE).remove(Baseline.class, Baseline.class);
    if (baseline == null) {
      return;
    }
    Settings s = baseline.settings();
    Snapshot before = baseline.snapshot();
    Snapshot after =
        Settler.settle(
            Meters.get(),
            s.settleTimeout(),
            s.checks(Check.NATIVE),
            candidate -> Rules.leaks(before.diff(candidate), s).isEmpty());
    publish(context, "noleaks.after", after);

    List<Finding> findings = new ArrayList<>(Rules.leaks(before.diff(after), s));
    explainHeap(findings, baseline.histogram());
    List<Finding> unavailable = Rules.unavailable(after, s);
    for (Finding f : unavailable) {
      context.publishReportEntry("noleaks.unavailable." + f.check().key(), f.summary());
    }
    report(context, s, findings, unavailable);
  }

  /** Publishes the findings, and fails the test unless in warn mode. */
  static void report(
      ExtensionContext context, Settings s, List<Finding> findings, List<Finding> unavailable) {
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
    throw new LeakError(message);
  }

  /** Replaces a heap finding with one naming the classes that grew, from a fresh histogram. */
  static void explainHeap(List<Finding> findings, Optional<String> before) {
    for (int i = 0; i < findings.size(); i++) {
      Finding f = findings.get(i);
      if (f.check() == Check.HEAP && before.isPresent()) {
        Optional<String> after = ClassHistogram.take();
        if (after.isPresent()) {
          List<ClassHistogram.Growth> grown =
              ClassHistogram.parse(after.get())
                  .grownSince(ClassHistogram.parse(before.get()), Rules.TOP_CLASSES);
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
    Optional<NoLeaks> annotation = findAnnotation(context);
    Settings.Source config = key -> context.getConfigurationParameter(Settings.PREFIX + key);
    String scope =
        config.parameter("scope").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("annotated");
    if (!scope.equals("annotated") && !scope.equals("all")) {
      throw new ExtensionConfigurationException(
          Settings.PREFIX + "scope: \"" + scope + "\" is not valid; expected annotated or all");
    }
    if (annotation.isEmpty()) {
      if (!scope.equals("all")) {
        return Optional.empty();
      }
      if (context.getConfigurationParameter(PARALLEL).map(Boolean::parseBoolean).orElse(false)) {
        throw new ExtensionConfigurationException(
            "noleaks.scope=all with "
                + PARALLEL
                + "=true: "
                + describe(context)
                + " has no @NoLeaks, so it is not isolated from concurrent tests and its"
                + " process-wide readings would be wrong. Annotate the test classes with @NoLeaks"
                + " (it takes JUnit's global lock) or run this suite without parallel execution.");
      }
    }
    Settings settings = Settings.resolve(annotation, describe(context), config);
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

  static String describe(ExtensionContext context) {
    String className = context.getTestClass().map(Class::getSimpleName).orElse("");
    return context
        .getTestMethod()
        .map(m -> className + "." + m.getName() + "()")
        .orElse(context.getDisplayName());
  }

  private static void publish(ExtensionContext context, String key, Snapshot snapshot) {
    Map<String, String> entry = new LinkedHashMap<>();
    entry.put(key, Verdicts.readings(snapshot));
    context.publishReportEntry(entry);
  }
}
