package dev.noleaks.junit;

import static dev.noleaks.assertions.MemoryAssertions.assertThatRunning;
import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Off-heap memory from {@code Unsafe.allocateMemory} (Netty, Agrona, Chronicle, LWJGL allocate this
 * way) is the application's: Native Memory Tracking books it in its category {@code Other}, which
 * NoLeaks does not subtract as the JVM's own.
 */
class UnsafeMemoryTest {

  static final sun.misc.Unsafe UNSAFE = unsafe();
  static final List<Long> KEPT = new ArrayList<>();

  static sun.misc.Unsafe unsafe() {
    try {
      Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void free() {
    KEPT.forEach(UNSAFE::freeMemory);
    KEPT.clear();
  }

  @NoLeaks
  static class KeepsFourMegabytes {
    @Test
    void test() {
      KEPT.add(UNSAFE.allocateMemory(4_000_000));
    }
  }

  @NoLeaks
  static class FreesFourMegabytes {
    @Test
    void test() {
      UNSAFE.freeMemory(UNSAFE.allocateMemory(4_000_000));
    }
  }

  @Test
  void unsafeMemoryKeptInAStaticIsANativeLeak() {
    assertThat(failureOf(KeepsFourMegabytes.class))
        // 4,000,000 B is 3.8 MiB; other mallocs of the run move the figure by some KB either way
        .hasMessageMatching("(?s).*native memory grew (3\\.[89]|4(\\.[01])?) MB.*")
        .hasMessageContaining("(tolerance 512 KB)");
    assertPasses(FreesFourMegabytes.class);
  }

  @Test
  void oneKilobytePerRunFromUnsafeIsATrend() {
    assertThatThrownBy(
            () ->
                assertThatRunning(() -> KEPT.add(UNSAFE.allocateMemory(1024)))
                    .repeated(20)
                    .doesNotLeakNativeMemory())
        .hasMessageContaining("native memory grew in ");
    assertThatRunning(() -> UNSAFE.freeMemory(UNSAFE.allocateMemory(1024)))
        .repeated(20)
        .doesNotLeakNativeMemory();
  }
}
