package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A native finding names where the bytes its second run (or, in repeated mode, ten more runs) left
 * unfreed were allocated: the line of the fixture that malloc'ed them, through JNA, the JDK or
 * {@code Unsafe}; or says that the allocation hooks did not see them.
 */
class NativeSitesTest {

  static final long FOUR_MB = 4L * 1024 * 1024;

  /** What the fixtures keep, freed after each test. */
  static final List<Object> KEPT = new ArrayList<>();

  /** The line at which each fixture allocates what it keeps, by fixture. */
  static final Map<Class<?>, Integer> LINES = new ConcurrentHashMap<>();

  /** Keeps {@code what}, allocated on the caller's line, which it records. */
  static void keep(Object what) {
    StackTraceElement caller = new Throwable().getStackTrace()[1];
    try {
      LINES.put(Class.forName(caller.getClassName()), caller.getLineNumber());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
    KEPT.add(what);
  }

  interface LibC extends Library {
    LibC C = Native.load("c", LibC.class);

    Pointer malloc(long size);

    void free(Pointer p);
  }

  @AfterEach
  void free() {
    for (Object o : KEPT) {
      if (o instanceof Long address) {
        if (address < 0) {
          UnsafeMemoryTest.UNSAFE.freeMemory(-address);
        } else {
          Native.free(address);
        }
      } else if (o instanceof Memory m) {
        m.close();
      } else if (o instanceof Deflater d) {
        d.end();
      } else if (o instanceof Pointer p) {
        LibC.C.free(p);
      }
    }
    KEPT.clear();
    for (int i = 0; i < sixtyFourKept; i++) {
      Native.free(SIXTY_FOUR[i]);
    }
    sixtyFourKept = 0;
  }

  @NoLeaks
  static class KeepsNativeMalloc {
    @Test
    void test() {
      keep(Native.malloc(FOUR_MB));
    }
  }

  @NoLeaks
  static class KeepsMemory {
    @Test
    void test() {
      keep(new Memory(FOUR_MB));
    }
  }

  @NoLeaks
  static class KeepsDeflaters {
    @Test
    void test() {
      for (int i = 0; i < 10; i++) {
        keep(new Deflater());
      }
    }
  }

  @NoLeaks
  static class KeepsUnsafeMemory {
    @Test
    void test() {
      keep(-UnsafeMemoryTest.UNSAFE.allocateMemory(FOUR_MB)); // negative: freed with Unsafe
    }
  }

  @NoLeaks
  static class KeepsLibcMalloc {
    @Test
    void test() {
      keep(LibC.C.malloc(FOUR_MB));
    }
  }

  @NoLeaks
  static class FreesNativeMalloc {
    @Test
    void test() {
      Native.free(Native.malloc(FOUR_MB));
    }
  }

  /**
   * Repeated mode looks for tens of bytes a run: the fixture keeps its addresses in an array made
   * beforehand and records its line once, so that each run does nothing but the malloc (with {@link
   * #keep} each run walked its stack and looked its class up, and the trend was missed in 2 of 9
   * runs under load).
   */
  static final long[] SIXTY_FOUR = new long[1000];

  static int sixtyFourKept;

  /** Records, as {@code fixture}'s line, the line {@code above} the caller's. */
  static void lineAbove(Class<?> fixture, int above) {
    LINES.put(fixture, new Throwable().getStackTrace()[1].getLineNumber() - above);
  }

  static class KeepsSixtyFourBytesARun {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() {
      SIXTY_FOUR[sixtyFourKept++] = Native.malloc(64);
      if (sixtyFourKept == 1) {
        lineAbove(KeepsSixtyFourBytesARun.class, 2);
      }
    }
  }

  /** The site line a finding shows for a fixture's {@code test()}, with blocks and bytes. */
  private static Pattern site(Class<?> fixture, String blocksAndBytes) {
    String frame = fixture.getName() + ".test(NativeSitesTest.java:" + LINES.get(fixture) + "): ";
    return Pattern.compile("(?s).*\\n\\s+" + Pattern.quote(frame) + blocksAndBytes + "(\\n.*|$)");
  }

  @Test
  void nativeMallocKeptIsNamedToItsLine() {
    String message = failureOf(KeepsNativeMalloc.class).getMessage();
    // Both runs kept 4.2 MB: had the profiler's own load (~15 MB, in the first recorded check of
    // a JVM) been counted, the growth would read 19 MB and more.
    assertThat(message)
        .matches("(?s).*native memory grew 8\\.\\d MB.*")
        .matches(
            "(?s).*allocated at \\(4.2 MB of the 4\\.\\d MB its second run grew, left unfreed by its"
                + " second run in 1 block\\):.*")
        .matches(site(KeepsNativeMalloc.class, "1 block, 4.2 MB"));
  }

  @Test
  void jnaMemoryKeptIsNamedToItsLine() {
    assertThat(failureOf(KeepsMemory.class).getMessage())
        .matches(site(KeepsMemory.class, "1 block, 4.2 MB"));
  }

  @Test
  void deflatersNeverEndedAreNamedToTheirLine() {
    // zlib mallocs several blocks per deflater (its state, window and hash tables)
    assertThat(failureOf(KeepsDeflaters.class).getMessage())
        .matches(site(KeepsDeflaters.class, "[1-9]\\d+ blocks, [\\d.]+ (KB|MB)"));
  }

  @Test
  void unsafeMemoryKeptIsNamedToItsLine() {
    assertThat(failureOf(KeepsUnsafeMemory.class).getMessage())
        .matches(site(KeepsUnsafeMemory.class, "1 block, 4.2 MB"));
  }

  @Test
  void libcMallocThroughAJnaInterfaceIsNotSeenAndSaysSo() {
    assertThat(failureOf(KeepsLibcMalloc.class).getMessage())
        .contains("native memory grew")
        .contains("where it was allocated is not known: not seen by the allocation hooks")
        .doesNotContain("allocated at (");
  }

  @Test
  void aCleanTwinPassesWithoutSites() {
    assertThat(TestKit.reportEntries(assertPasses(FreesNativeMalloc.class)))
        .noneMatch(e -> e.getValue().contains("allocated at"));
  }

  @Test
  void sixtyFourBytesARunAreNamedToTheirLine() {
    String message = failureOf(KeepsSixtyFourBytesARun.class).getMessage();
    assertThat(message)
        .contains("native memory grew in ")
        .contains("left unfreed by 10 more runs in 10 blocks")
        .matches(site(KeepsSixtyFourBytesARun.class, "10 blocks, 640 B"));
  }

  @Test
  void sitesOffShowsNone() {
    assertThat(failureOf(KeepsNativeMalloc.class, "noleaks.native.sites", "off").getMessage())
        .contains("native memory grew")
        .doesNotContain("allocated at")
        .doesNotContain("where it was allocated");
  }

  @Test
  void aBadSettingNamesItsValueAndTheAcceptedForm() {
    assertThat(failureOf(KeepsNativeMalloc.class, "noleaks.native.sites", "maybe"))
        .hasMessageContaining("noleaks.native.sites: \"maybe\" is not valid; expected on or off");
  }
}
