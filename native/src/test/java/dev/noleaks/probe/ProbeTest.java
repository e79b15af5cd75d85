package dev.noleaks.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ProbeTest {

  private static final List<Function<Probe, Reading<?>>> METERS =
      List.of(
          Probe::malloc,
          Probe::mallocInfo,
          Probe::trimNativeHeap,
          Probe::residentBytes,
          Probe::descriptors,
          Probe::nativeThreads,
          Probe::nativeThreadCount);

  @Test
  void onLinuxWithGlibcEveryMeterReads() {
    Probe probe = Probe.current();

    assertThat(probe).isSameAs(Probe.current()).isInstanceOf(LinuxProbe.class);
    assertThat(probe.platform()).matches("linux \\S+, glibc \\d+\\.\\d+.*");
    assertThat(METERS).allSatisfy(meter -> assertThat(meter.apply(probe).isAvailable()).isTrue());
    assertThat(probe.residentBytes().orElseThrow()).isGreaterThan(1024 * 1024);
  }

  @Test
  void anotherOperatingSystemSaysWhyEveryMeterIsUnavailable() {
    Probe mac = Probes.create("Mac OS X", "aarch64");

    assertThat(mac).isInstanceOf(UnavailableProbe.class);
    assertThat(mac.platform()).isEqualTo("mac os x aarch64");
    assertThat(METERS)
        .allSatisfy(
            meter ->
                assertThat(meter.apply(mac).unavailableReason())
                    .hasValue("macOS probe not implemented yet (os.name=Mac OS X)"));
  }

  @Test
  void windowsAndOthersAreNamedInTheReason() {
    assertThat(UnavailableProbe.forOperatingSystem("Windows 11", "x86_64").reason())
        .isEqualTo("Windows probe not implemented yet (os.name=Windows 11)");
    assertThat(UnavailableProbe.forOperatingSystem("FreeBSD", "x86_64").descriptors())
        .isEqualTo(Reading.unavailable("no probe for this operating system (os.name=FreeBSD)"));
  }
}
