package dev.noleaks.junit;

import dev.noleaks.internal.config.Settings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.platform.engine.ConfigurationParameters;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Says at the start of a run what in NoLeaks' configuration would otherwise do nothing, silently: a
 * {@code noleaks.} key NoLeaks does not read (a misspelling), and {@code noleaks.scope=all} while
 * JUnit's extension auto-detection is off (NoLeaks then never sees a test without {@code NoLeaks}).
 * A launcher listener, registered through {@code META-INF/services}, because it alone sees every
 * configuration parameter, Surefire's {@code configurationParameters} included, and runs when no
 * test would bring NoLeaks in; it cannot fail the run, so it prints to the standard error. The
 * extension itself fails every test over a misspelled key it can see (system properties and {@code
 * junit-platform.properties}).
 */
public final class ConfigurationCheck implements TestExecutionListener {

  static final String AUTODETECTION = "junit.jupiter.extensions.autodetection.enabled";

  private final PrintStream out;

  /** The listener the launcher loads: it prints to {@code System.err}. */
  public ConfigurationCheck() {
    this(System.err);
  }

  ConfigurationCheck(PrintStream out) {
    this.out = out;
  }

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    ConfigurationParameters parameters = testPlan.getConfigurationParameters();
    Set<String> keys = new TreeSet<>(parameters.keySet());
    keys.addAll(System.getProperties().stringPropertyNames());
    for (String problem : problems(keys, parameters::get)) {
      out.println("[NoLeaks] " + problem);
    }
  }

  /** Every problem with the configuration, given its keys and a way to read a value. */
  static List<String> problems(
      Collection<String> keys, java.util.function.Function<String, Optional<String>> value) {
    List<String> problems = new ArrayList<>(Settings.unknownKeys(keys));
    boolean all = Settings.scopeIsAll(value.apply(Settings.PREFIX + "scope"));
    boolean autodetection =
        value.apply(AUTODETECTION).map(v -> Boolean.parseBoolean(v.trim())).orElse(false);
    if (all && !autodetection) {
      problems.add(
          Settings.PREFIX
              + "scope=all has no effect: JUnit's extension auto-detection is off, so NoLeaks is"
              + " registered only on tests annotated with @NoLeaks. Set "
              + AUTODETECTION
              + "=true beside it (junit-platform.properties, or Surefire's"
              + " configurationParameters).");
    }
    return problems;
  }
}
