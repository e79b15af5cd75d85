package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static dev.noleaks.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The native check as a user who adds the dependency and no JVM flag gets it: without Native Memory
 * Tracking (Surefire's execution {@code without-nmt}). Clean code and a first use pass; a leak too
 * large for the JVM's own swings to hide fails, and its finding names the flag that would say where
 * it was allocated. (A 4 MB leak is missed 5 to 12 times in 20 here: docs/native-precision.md.)
 */
class NativeWithoutNmtTest {

  /** A buffer the fixture below replaces on every call: freed and allocated again. */
  static long buffer;

  @NoLeaks
  static class ReplacesItsBuffer {
    @Test
    void test() {
      if (buffer != 0) {
        Native.free(buffer);
      }
      buffer = Native.malloc(NativeSitesTest.FOUR_MB);
    }
  }

  @NoLeaks
  static class KeepsSixtyFourMegabytes {
    @Test
    void test() {
      NativeSitesTest.keep(Native.malloc(64L << 20));
    }
  }

  /** Keeps 4 MB the first time only: a first use. */
  @NoLeaks
  static class KeepsFourMegabytesOnce {
    @Test
    void test() {
      if (buffer == 0) {
        buffer = Native.malloc(NativeSitesTest.FOUR_MB);
      }
    }
  }

  /** Starts and joins a thread: the JVM mallocs for the monitor it inflates, NMT aside. */
  @NoLeaks(repeat = 20, warmup = 5)
  static class StartsAndJoinsAThreadEveryRun {
    @Test
    void test() throws InterruptedException {
      Thread thread = new Thread(() -> {});
      thread.start();
      thread.join();
    }
  }

  @BeforeAll
  static void withoutNativeMemoryTracking() {
    assertThat(
            ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("NativeMemoryTracking")
                .getValue())
        .as("this class runs in a JVM without Native Memory Tracking")
        .isEqualTo("off");
  }

  @AfterEach
  void free() {
    new NativeSitesTest().free();
    if (buffer != 0) {
      Native.free(buffer);
      buffer = 0;
    }
  }

  @Test
  void aLargeKeptMallocFailsAndItsFindingNamesTheFlag() {
    assertThat(failureOf(KeepsSixtyFourMegabytes.class).getMessage())
        .contains("native memory grew")
        .contains(
            "where it was allocated: unavailable: needs Native Memory Tracking (start the test JVM"
                + " with -XX:NativeMemoryTracking=summary)");
  }

  @RepeatedTest(3)
  void mallocAndFreePasses() {
    assertPasses(NativeSitesTest.FreesNativeMalloc.class);
  }

  @Test
  void aBufferReplacedOnEveryCallPasses() {
    assertPasses(ReplacesItsBuffer.class);
  }

  /**
   * Repeated mode looks for a few bytes per run, which only NMT tells from the JVM's own malloc:
   * this body failed 11 of 12 repetitions judged without it. Not judged now, and the test says so.
   */
  @RepeatedTest(3)
  void repeatedModeSaysItsNativeTrendNeedsTheFlag() {
    assertThat(reportEntries(assertPasses(StartsAndJoinsAThreadEveryRun.class)))
        .filteredOn(e -> e.getKey().equals("noleaks.unavailable.native"))
        .map(Map.Entry::getValue)
        .singleElement(InstanceOfAssertFactories.STRING)
        .contains(
            "needs Native Memory Tracking (start the test JVM with"
                + " -XX:NativeMemoryTracking=summary)");
  }

  /**
   * Memory a first run alone kept passes as retained once, but without NMT the JVM's own release
   * can hide a second run's leak the same way, so the note says it may be one and names the flag.
   */
  @Test
  void nativeMemoryRetainedOnceSaysItMayBeALeak() {
    assertThat(reportEntries(assertPasses(KeepsFourMegabytesOnce.class)))
        .filteredOn(e -> e.getKey().equals("noleaks.note"))
        .map(Map.Entry::getValue)
        .singleElement(InstanceOfAssertFactories.STRING)
        .startsWith("retained once: in its first run native memory grew")
        .contains("this may be one; start the test JVM with -XX:NativeMemoryTracking=summary");
  }
}
