package dev.noleaks.matrix;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;

/**
 * What the leaky fixtures keep: reachable from statics until {@link FreedAfterTheCheck} frees it,
 * after NoLeaks has judged the test, so that one case's leak does not sit in the next one's
 * baseline.
 */
final class Kept {

  static final long FOUR_MB = 4L * 1024 * 1024;

  static final sun.misc.Unsafe UNSAFE = unsafe();

  /** A JNA interface bound to libc: its {@code malloc} is called through the symbol's address. */
  interface LibC extends Library {
    LibC C = Native.load("c", LibC.class);

    Pointer malloc(long size);

    void free(Pointer p);
  }

  private static final List<Long> NATIVE = new ArrayList<>();
  private static final List<Long> UNSAFE_MEMORY = new ArrayList<>();
  private static final List<Memory> MEMORY = new ArrayList<>();
  private static final List<Deflater> DEFLATERS = new ArrayList<>();
  private static final List<Pointer> LIBC = new ArrayList<>();

  /**
   * Repeated mode looks for tens of bytes a run: its fixtures store addresses into arrays made
   * beforehand, so that a run does nothing but the allocation.
   */
  static final long[] SMALL_NATIVE = new long[1000];

  static int smallNative;

  static final long[] SMALL_UNSAFE = new long[1000];

  static int smallUnsafe;

  private Kept() {}

  static void nativeMalloc(long address) {
    NATIVE.add(address);
  }

  static void unsafeMemory(long address) {
    UNSAFE_MEMORY.add(address);
  }

  static void memory(Memory m) {
    MEMORY.add(m);
  }

  static void deflater(Deflater d) {
    DEFLATERS.add(d);
  }

  static void libc(Pointer p) {
    LIBC.add(p);
  }

  static void freeAll() {
    NATIVE.forEach(Native::free);
    NATIVE.clear();
    UNSAFE_MEMORY.forEach(UNSAFE::freeMemory);
    UNSAFE_MEMORY.clear();
    MEMORY.forEach(Memory::close);
    MEMORY.clear();
    DEFLATERS.forEach(Deflater::end);
    DEFLATERS.clear();
    LIBC.forEach(LibC.C::free);
    LIBC.clear();
    for (int i = 0; i < smallNative; i++) {
      Native.free(SMALL_NATIVE[i]);
    }
    smallNative = 0;
    for (int i = 0; i < smallUnsafe; i++) {
      UNSAFE.freeMemory(SMALL_UNSAFE[i]);
    }
    smallUnsafe = 0;
  }

  private static sun.misc.Unsafe unsafe() {
    try {
      Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
