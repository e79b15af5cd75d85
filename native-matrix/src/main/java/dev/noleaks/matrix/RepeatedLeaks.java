package dev.noleaks.matrix;

import com.sun.jna.Native;
import dev.noleaks.junit.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12's small, steady leaks in repeated mode ({@code repeat = 20, warmup = 5}, as in
 * docs/repeated-mode.md): each run keeps a little, and does nothing else.
 */
final class RepeatedLeaks {

  private RepeatedLeaks() {}

  @ExtendWith(FreedAfterTheCheck.class)
  static class Keeps64BytesARunViaJna {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() {
      Kept.SMALL_NATIVE[Kept.smallNative++] = Native.malloc(64); // site: Keeps64BytesARunViaJna
    }
  }

  @ExtendWith(FreedAfterTheCheck.class)
  static class Keeps1KBARunViaUnsafe {
    @Test
    @NoLeaks(repeat = 20, warmup = 5)
    void test() {
      Kept.SMALL_UNSAFE[Kept.smallUnsafe++] =
          Kept.UNSAFE.allocateMemory(1024); // site: Keeps1KBARunViaUnsafe
    }
  }
}
