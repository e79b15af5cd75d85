package dev.noleaks.probe;

import java.io.IOException;
import java.util.List;

/**
 * Linux: glibc's allocator statistics, {@code /proc/self} for descriptors, threads and RSS. On a C
 * library without glibc's malloc functions (musl, glibc before 2.33 for {@code mallinfo2}) those
 * meters read as unavailable and the rest still work.
 */
final class LinuxProbe implements Probe {

  private final String platform;
  private final GlibcMalloc malloc;
  private final DescriptorProbe descriptors;
  private final NativeThreadProbe threads;
  private final ResidentMemoryProbe resident;
  private final String residentUnavailable;
  private final ThreadCountProbe threadCount;
  private final String threadCountUnavailable;

  /**
   * Binds libc and allocates every buffer now, so that a baseline taken afterwards sees none of the
   * probe's own memory or descriptors.
   *
   * @throws LinkageError when JNA or libc cannot be loaded
   */
  LinuxProbe(String arch) {
    if (!LibC.isLp64()) {
      throw new UnsatisfiedLinkError("only 64-bit Linux is supported (os.arch=" + arch + ")");
    }
    this.platform = "linux " + arch + ", " + libcName();
    this.malloc = new GlibcMalloc();
    this.descriptors = new DescriptorProbe();
    this.threads = new NativeThreadProbe();
    ResidentMemoryProbe statm = null;
    String statmProblem = null;
    try {
      statm = new ResidentMemoryProbe(LibC.Posix.getpagesize());
    } catch (IOException e) {
      statmProblem = "cannot open /proc/self/statm: " + e.getMessage();
    }
    this.resident = statm;
    this.residentUnavailable = statmProblem;
    ThreadCountProbe count = null;
    String countProblem = null;
    try {
      count = new ThreadCountProbe();
    } catch (IOException e) {
      countProblem = "cannot open /proc/self/stat: " + e.getMessage();
    }
    this.threadCount = count;
    this.threadCountUnavailable = countProblem;
  }

  private static String libcName() {
    if (LibC.has("gnu_get_libc_version")) {
      return "glibc " + LibC.GnuLibcVersion.gnu_get_libc_version();
    }
    return "libc without gnu_get_libc_version (musl?)";
  }

  static boolean isLinux(String osName) {
    return osName.toLowerCase(java.util.Locale.ROOT).startsWith("linux");
  }

  /** {@code os.arch} as {@code uname -m} prints it. */
  static String machine(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> osArch;
    };
  }

  @Override
  public String platform() {
    return platform;
  }

  @Override
  public Reading<MallocStats> malloc() {
    return malloc.malloc();
  }

  @Override
  public Reading<MallocInfo> mallocInfo() {
    return malloc.mallocInfo();
  }

  @Override
  public Reading<Boolean> trimNativeHeap() {
    return malloc.trim();
  }

  @Override
  public Reading<Long> residentBytes() {
    return resident != null ? resident.residentBytes() : Reading.unavailable(residentUnavailable);
  }

  @Override
  public Reading<List<Descriptor>> descriptors() {
    return descriptors.descriptors();
  }

  @Override
  public Reading<List<NativeThread>> nativeThreads() {
    return threads.nativeThreads();
  }

  @Override
  public Reading<Integer> nativeThreadCount() {
    return threadCount != null ? threadCount.count() : Reading.unavailable(threadCountUnavailable);
  }

  @Override
  public String toString() {
    return "LinuxProbe[" + platform + "]";
  }
}
