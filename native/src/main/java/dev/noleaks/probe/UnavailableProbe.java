package dev.noleaks.probe;

import java.util.List;

/** The probe of a platform NoLeaks cannot measure yet: every meter unavailable, with the reason. */
record UnavailableProbe(String platform, String reason) implements Probe {

  /** The probe for an operating system without one, named as {@code os.name} gives it. */
  static UnavailableProbe forOperatingSystem(String osName, String osArch) {
    String lower = osName.toLowerCase(java.util.Locale.ROOT);
    String reason;
    if (lower.startsWith("mac") || lower.startsWith("darwin")) {
      reason = "macOS probe not implemented yet (os.name=" + osName + ")";
    } else if (lower.startsWith("windows")) {
      reason = "Windows probe not implemented yet (os.name=" + osName + ")";
    } else {
      reason = "no probe for this operating system (os.name=" + osName + ")";
    }
    return new UnavailableProbe(lower + " " + osArch, reason);
  }

  @Override
  public Reading<MallocStats> malloc() {
    return Reading.unavailable(reason);
  }

  @Override
  public Reading<MallocInfo> mallocInfo() {
    return Reading.unavailable(reason);
  }

  @Override
  public Reading<Boolean> trimNativeHeap() {
    return Reading.unavailable(reason);
  }

  @Override
  public Reading<Long> residentBytes() {
    return Reading.unavailable(reason);
  }

  @Override
  public Reading<List<Descriptor>> descriptors() {
    return Reading.unavailable(reason);
  }

  @Override
  public Reading<List<NativeThread>> nativeThreads() {
    return Reading.unavailable(reason);
  }

  @Override
  public Reading<Integer> nativeThreadCount() {
    return Reading.unavailable(reason);
  }
}
