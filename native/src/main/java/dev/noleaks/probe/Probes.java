package dev.noleaks.probe;

/** Chooses and holds the probe for the current operating system. */
final class Probes {

  private Probes() {}

  /** Created on first use (the holder class's initialisation), once; never throws. */
  static Probe current() {
    return Holder.PROBE;
  }

  private static final class Holder {
    static final Probe PROBE =
        create(System.getProperty("os.name", "unknown"), System.getProperty("os.arch", "unknown"));
  }

  static Probe create(String osName, String osArch) {
    String arch = LinuxProbe.machine(osArch);
    if (!LinuxProbe.isLinux(osName)) {
      return UnavailableProbe.forOperatingSystem(osName, arch);
    }
    try {
      return new LinuxProbe(arch);
    } catch (LinkageError | RuntimeException e) {
      // JNA's native part missing for this platform, libc not loadable, a 32-bit JVM, or native
      // access denied (JDK 22+ without --enable-native-access when it is enforced)
      return new UnavailableProbe("linux " + arch, "cannot bind libc through JNA: " + e);
    }
  }
}
