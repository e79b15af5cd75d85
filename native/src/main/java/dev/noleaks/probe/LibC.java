package dev.noleaks.probe;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * The C library, bound with JNA direct mapping ({@code Native.register}).
 *
 * <p>Direct mapping, not interface mapping: an interface proxy boxes every argument into an {@code
 * Object[]} and converts it through reflection on each call; a registered native method is a plain
 * JNI call. Arguments are primitives or {@link Pointer}s into buffers each probe allocates once,
 * never {@code String} or {@code byte[]}: JNA copies a {@code String} argument into a fresh {@code
 * malloc}ed C string, and HotSpot's {@code GetByteArrayElements} copies a {@code byte[]} into C
 * heap, so either would make a probe allocate native memory on every call.
 *
 * <p>{@code size_t} and {@code ssize_t} are mapped to {@code long}: this class is only used on LP64
 * Linux (x86_64, aarch64), which {@link #isLp64()} checks before anything is bound.
 *
 * <p>Each group of symbols that a C library may lack (musl has no {@code mallinfo2}, {@code
 * malloc_info} or {@code gnu_get_libc_version}; glibc before 2.33 has no {@code mallinfo2}) is a
 * nested class of its own, registered only after {@link #has(String)} found its symbol: {@code
 * Native.register} fails for the whole class when one symbol is missing.
 */
final class LibC {

  static final NativeLibrary LIBRARY = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);

  private LibC() {}

  /** Whether the C library exports {@code symbol}. */
  static boolean has(String symbol) {
    try {
      LIBRARY.getFunction(symbol);
      return true;
    } catch (UnsatisfiedLinkError missing) {
      return false;
    }
  }

  /** Registers a nested class's native methods now rather than at its first call. */
  static void bind(Class<?> bindings) {
    try {
      java.lang.invoke.MethodHandles.lookup().ensureInitialized(bindings);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean isLp64() {
    return Native.POINTER_SIZE == 8 && Native.SIZE_T_SIZE == 8 && Native.LONG_SIZE == 8;
  }

  /** POSIX functions every Linux C library has. */
  static final class Posix {
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000; // the same on x86_64 and aarch64 (asm-generic)

    static {
      Native.register(Posix.class, LIBRARY);
    }

    private Posix() {}

    static native int getpagesize();

    static native long readlink(Pointer path, Pointer buffer, long size);

    static native int open(Pointer path, int flags);

    static native long read(int fd, Pointer buffer, long count);

    static native int close(int fd);

    static native Pointer open_memstream(Pointer bufferLocation, Pointer sizeLocation);

    static native int fclose(Pointer stream);

    static native void free(Pointer pointer);
  }

  /**
   * {@code getdents64} (glibc 2.30+) and {@code readlinkat}: a directory's entries in one call, and
   * links read relative to that directory's descriptor.
   */
  static final class DirectoryEntries {
    static {
      Native.register(DirectoryEntries.class, LIBRARY);
    }

    private DirectoryEntries() {}

    static native long getdents64(int fd, Pointer buffer, long size);

    static native long readlinkat(int directory, Pointer path, Pointer buffer, long size);
  }

  /** glibc's version, for {@link Probe#platform()}. */
  static final class GnuLibcVersion {
    static {
      Native.register(GnuLibcVersion.class, LIBRARY);
    }

    private GnuLibcVersion() {}

    static native String gnu_get_libc_version();
  }

  /**
   * glibc 2.33+ {@code struct mallinfo2 mallinfo2(void)}.
   *
   * <p>The struct (ten {@code size_t}, 80 bytes) is returned by value. No calling-convention trick
   * (passing a buffer as a hidden first argument) is used: that works on x86_64, where the result
   * address travels in {@code rdi}, but not on aarch64, where it travels in {@code x8}. libffi
   * handles both. JNA's direct dispatch gives the callee an {@code alloca}ed result area on the
   * native stack and then builds the Java object with {@code Structure.newInstance(Class, long)}:
   * when the class has a public {@code (Pointer)} constructor, the structure is only a view of that
   * stack area and is read at once; without one, JNA first allocates the structure's own {@code
   * Memory} (a {@code malloc} per call, freed later by JNA's cleaner). Measured on glibc 2.36
   * x86_64, JDK 17, after warm-up: with the {@code (Pointer)} constructor 10,000 back-to-back
   * readings move in-use bytes by 0 B (the other JVM threads' own noise aside); without it, by
   * +1.92 MB (about 192 B per reading, until the cleaner catches up). A reading costs about 5 µs;
   * {@code mallinfo2} walks every free chunk of every arena, so it costs more on a fragmented heap.
   * The view must be read before anything else runs on the calling thread's stack: {@link
   * #mallinfo2()} is called only through {@link GlibcMalloc#malloc()}, which copies the fields at
   * once.
   */
  static final class Mallinfo2 {
    static {
      Native.register(Mallinfo2.class, LIBRARY);
    }

    private Mallinfo2() {}

    static native Result.ByValue mallinfo2();

    /** {@code struct mallinfo2}; public because JNA instantiates it reflectively. */
    @Structure.FieldOrder({
      "arena",
      "ordblks",
      "smblks",
      "hblks",
      "hblkhd",
      "usmblks",
      "fsmblks",
      "uordblks",
      "fordblks",
      "keepcost"
    })
    public static class Result extends Structure {
      public long arena;
      public long ordblks;
      public long smblks;
      public long hblks;
      public long hblkhd;
      public long usmblks;
      public long fsmblks;
      public long uordblks;
      public long fordblks;
      public long keepcost;

      public Result() {}

      public Result(Pointer view) {
        super(view);
      }

      /** The by-value return type; see {@link Mallinfo2} for why the constructor matters. */
      public static class ByValue extends Result implements Structure.ByValue {
        public ByValue() {}

        public ByValue(Pointer view) {
          super(view);
        }
      }
    }
  }

  /** glibc {@code int malloc_info(int options, FILE *stream)}. */
  static final class MallocInfoFunction {
    static {
      Native.register(MallocInfoFunction.class, LIBRARY);
    }

    private MallocInfoFunction() {}

    static native int malloc_info(int options, Pointer stream);
  }

  /** glibc {@code int malloc_trim(size_t pad)}. */
  static final class MallocTrim {
    static {
      Native.register(MallocTrim.class, LIBRARY);
    }

    private MallocTrim() {}

    static native int malloc_trim(long pad);
  }
}
