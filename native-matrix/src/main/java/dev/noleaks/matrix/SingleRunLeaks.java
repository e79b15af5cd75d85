package dev.noleaks.matrix;

import static dev.noleaks.matrix.Kept.FOUR_MB;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.noleaks.junit.NoLeaks;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12's leaks, one case per class, default settings: each keeps about 4 MB of native memory
 * reachable from a static. A line marked {@code // site: Name} is where the case allocates what it
 * keeps; {@code Tally} looks for it in the finding's "allocated at" frames.
 */
final class SingleRunLeaks {

  private SingleRunLeaks() {}

  @ExtendWith(FreedAfterTheCheck.class)
  @NoLeaks
  static class KeepsNativeMalloc {
    @Test
    void test() {
      Kept.nativeMalloc(Native.malloc(FOUR_MB)); // site: KeepsNativeMalloc
    }
  }

  @ExtendWith(FreedAfterTheCheck.class)
  @NoLeaks
  static class KeepsJnaMemory {
    @Test
    void test() {
      Kept.memory(new Memory(FOUR_MB)); // site: KeepsJnaMemory
    }
  }

  @ExtendWith(FreedAfterTheCheck.class)
  @NoLeaks
  static class KeepsLibcInterfaceMalloc {
    @Test
    void test() {
      Kept.libc(Kept.LibC.C.malloc(FOUR_MB)); // site: KeepsLibcInterfaceMalloc
    }
  }

  @ExtendWith(FreedAfterTheCheck.class)
  @NoLeaks
  static class KeepsUnsafeMemory {
    @Test
    void test() {
      Kept.unsafeMemory(Kept.UNSAFE.allocateMemory(FOUR_MB)); // site: KeepsUnsafeMemory
    }
  }

  /**
   * zlib mallocs its state, window, hash tables and pending buffer per deflater (256 KB and more).
   */
  @ExtendWith(FreedAfterTheCheck.class)
  @NoLeaks
  static class KeepsTenDeflaters {
    @Test
    void test() {
      for (int i = 0; i < 10; i++) {
        Kept.deflater(new Deflater()); // site: KeepsTenDeflaters
      }
    }
  }
}
