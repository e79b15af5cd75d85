package dev.noleaks.junit;

import dev.noleaks.internal.config.Settings;
import java.lang.reflect.AnnotatedElement;
import java.util.Locale;
import java.util.Optional;
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

  /** Misspelled {@code noleaks.} keys, one per line, looked for once per run. */
  private record KeyCheck(String problems) {}

  private TestSettings() {}

  /**
   * The settings for this test, or empty when NoLeaks has nothing to do: no {@code NoLeaks}
   * annotation and {@code noleaks.scope} is not {@code all}.
   */
  static Optional<Settings> of(ExtensionContext context) {
    String misspelled =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                KeyCheck.class,
                k ->
                    new KeyCheck(
                        String.join("\n", Settings.misspelledKeys(Settings.visibleKeys()))),
                KeyCheck.class)
            .problems();
    if (!misspelled.isEmpty()) {
      throw new ExtensionConfigurationException(misspelled);
    }
    Optional<NoLeaks> annotation = annotation(context);
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
      settings =
          Settings.resolve(
              annotation.map(TestSettings::attributes), TestReport.describe(context), config);
    } catch (IllegalArgumentException bad) {
      throw new ExtensionConfigurationException(bad.getMessage(), bad);
    }
    return settings.checks().isEmpty() ? Optional.empty() : Optional.of(settings);
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

  /**
   * Whether the test is isolated from concurrent tests: {@code @NoLeaks} takes JUnit's global lock,
   * a test that only {@code noleaks.scope=all} brings is not.
   */
  static boolean isolated(ExtensionContext context) {
    return annotation(context).isPresent();
  }
}
