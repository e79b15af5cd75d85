package dev.noleaks.junit;

import dev.noleaks.internal.config.Settings;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * What NoLeaks checks in one JUnit test: the nearest {@code @NoLeaks} over the JUnit configuration
 * parameters, resolved by {@link Settings} (which knows nothing of JUnit). A bad value is JUnit's
 * configuration error here, naming the attribute or key, the value and the accepted form.
 */
final class TestSettings {

  private static final Namespace NAMESPACE = Namespace.create(TestSettings.class);

  /**
   * A checked test's settings.
   *
   * @param isolated whether nothing runs beside it: {@code @NoLeaks} takes JUnit's global lock, a
   *     test that only {@code noleaks.scope=all} brings does not
   */
  record Checked(Settings settings, boolean isolated) {}

  /**
   * What the tests of a run share, looked at once per run in the root store: the configuration's
   * problems (misspelled {@code noleaks.} keys, a bad scope), whether every test is checked, and
   * the settings resolved so far, by annotation (equal annotations resolve alike; none is the
   * configuration alone). A bad annotation is not kept: each test it is on fails, naming itself.
   */
  private static final class RunSettings {
    private final Optional<String> problem;
    private final boolean all;
    private final Map<Optional<NoLeaks>, Settings> resolved = new ConcurrentHashMap<>();

    RunSettings(Settings.Source config) {
      List<String> problems = new ArrayList<>(Settings.misspelledKeys(Settings.visibleKeys()));
      String scope =
          config.parameter("scope").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("annotated");
      if (!scope.equals("annotated") && !scope.equals("all")) {
        problems.add(
            Settings.PREFIX + "scope: \"" + scope + "\" is not valid; expected annotated or all");
      }
      this.problem =
          problems.isEmpty() ? Optional.empty() : Optional.of(String.join("\n", problems));
      this.all = scope.equals("all");
    }
  }

  private TestSettings() {}

  /**
   * The settings for this test, or empty when NoLeaks has nothing to do: no {@code NoLeaks}
   * annotation and {@code noleaks.scope} is not {@code all}.
   */
  static Optional<Checked> of(ExtensionContext context) {
    Settings.Source config = key -> context.getConfigurationParameter(Settings.PREFIX + key);
    RunSettings run =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                RunSettings.class, k -> new RunSettings(config), RunSettings.class);
    if (run.problem.isPresent()) {
      throw new ExtensionConfigurationException(run.problem.get());
    }
    Optional<NoLeaks> annotation = annotation(context);
    if (annotation.isEmpty() && !run.all) {
      return Optional.empty();
    }
    Settings settings;
    try {
      settings =
          run.resolved.computeIfAbsent(
              annotation,
              a ->
                  Settings.resolve(
                      a.map(TestSettings::attributes), TestReport.describe(context), config));
    } catch (IllegalArgumentException bad) {
      throw new ExtensionConfigurationException(bad.getMessage(), bad);
    }
    return settings.checks().isEmpty()
        ? Optional.empty()
        : Optional.of(new Checked(settings, annotation.isPresent()));
  }

  /** The annotation's attributes as the settings read them. */
  static Settings.Attributes attributes(NoLeaks a) {
    return new Settings.Attributes(
        a.checks(),
        a.skip(),
        a.heapTolerance(),
        a.nativeTolerance(),
        a.heapThreshold(),
        a.nativeThreshold(),
        a.repeat(),
        a.warmup(),
        a.settleTimeout(),
        a.ignoreThreads(),
        a.ignoreDescriptors(),
        switch (a.mode()) {
          case CONFIGURED -> Optional.empty();
          case WARN -> Optional.of(true);
          case FAIL -> Optional.of(false);
        },
        switch (a.rerun()) {
          case CONFIGURED -> Optional.empty();
          case ON_GROWTH -> Optional.of(true);
          case NEVER -> Optional.of(false);
        });
  }

  /** The nearest {@code @NoLeaks}: on the method, its class, or an enclosing class. */
  static Optional<NoLeaks> annotation(ExtensionContext context) {
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
}
