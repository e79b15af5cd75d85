package dev.noleaks.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.engine.LeakCheck;
import org.junit.jupiter.api.Test;

/**
 * The launcher session listener that prepares the meters in the background. Its effect (the first
 * test of a JVM no longer pays for the preparation) is measured by suites/run on real suites, and
 * its path through a real Surefire fork is consumer/run's "suite-wide" set-up.
 */
class PreparationTest {

  @Test
  void readsTheScopeFromASystemPropertyBeforeTheLauncherHasItsConfiguration() {
    String before = System.getProperty("noleaks.scope");
    System.setProperty("noleaks.scope", "ALL ");
    try {
      assertThat(Settings.visibleValue("scope")).contains("ALL ");
      assertThat(Settings.visibleValue("no.such.setting")).isEmpty();
    } finally {
      if (before == null) {
        System.clearProperty("noleaks.scope");
      } else {
        System.setProperty("noleaks.scope", before);
      }
    }
  }

  @Test
  void startsNothingOnceTheMetersAreReady() throws InterruptedException {
    LeakCheck.meters();
    String before = System.getProperty("noleaks.scope");
    System.setProperty("noleaks.scope", "all");
    try {
      new Preparation().launcherSessionOpened(null);
      LeakCheck.prepareInBackground();
    } finally {
      if (before == null) {
        System.clearProperty("noleaks.scope");
      } else {
        System.setProperty("noleaks.scope", before);
      }
    }
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .doesNotContain("noleaks-prepare");
  }
}
