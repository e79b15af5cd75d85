package dev.noleaks.junit;

import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.engine.LeakCheck;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Prepares NoLeaks' meters while JUnit discovers the tests, when every test of the run will be
 * checked ({@code noleaks.scope=all} as a system property or in {@code junit-platform.properties},
 * the places readable before the launcher has its configuration). A launcher session listener,
 * registered through {@code META-INF/services}: opened by Surefire, Gradle and IDEs before
 * discovery, which left 0.8-1.2 s before the first test of a JVM in the suites measured (JDK 17,
 * Surefire 3.5). What it starts ({@link LeakCheck#prepareInBackground}) is waited for by the first
 * check, so a test is measured exactly as without it; where the scope is set elsewhere (Surefire's
 * {@code configurationParameters}) or only annotations bring NoLeaks in, the first check prepares
 * the meters itself, as before, and a JVM that checks nothing pays nothing.
 */
public final class Preparation implements LauncherSessionListener {

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    try {
      if (Settings.scopeIsAll(Settings.visibleValue("scope"))) {
        LeakCheck.prepareInBackground();
      }
    } catch (RuntimeException e) {
      // An unreadable junit-platform.properties: JUnit reports it; the first check prepares.
    }
  }
}
