package dev.noleaks.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescriptorReadingTest {

  private final Probe probe = Probe.current();

  private List<Descriptor> opened(List<Descriptor> before) {
    List<Descriptor> now = new ArrayList<>(probe.descriptors().orElseThrow());
    now.removeAll(before);
    return now;
  }

  @Test
  void anOpenFileShowsWithItsPath(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("probe.txt"), "x").toRealPath();
    String folder = file.getParent().toString();
    List<Descriptor> before = probe.descriptors().orElseThrow();

    // Other threads of this JVM open files too (HotSpot rereads the cgroup memory limit now and
    // then), so the assertions look at this test's file, not at everything that appeared.
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      assertThat(opened(before))
          .filteredOn(d -> d.target().startsWith(folder))
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.target()).isEqualTo(file.toString());
                assertThat(d.kind()).isEqualTo(Descriptor.Kind.FILE);
              });
    }
    assertThat(opened(before)).noneMatch(d -> d.target().equals(file.toString()));
  }

  @Test
  void readingTheDirectoryEntriesGivesWhatListingTheDirectoryGives() {
    DescriptorProbe entries = new DescriptorProbe(true);
    DescriptorProbe list = new DescriptorProbe(false);
    // Another thread of this JVM may open or close something between the two: a few tries.
    org.awaitility.Awaitility.await()
        .pollInSameThread()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> entries.descriptors().orElseThrow().equals(list.descriptors().orElseThrow()));
    assertThat(entries.descriptors().orElseThrow()).hasSizeGreaterThan(3);
  }

  @Test
  void directoryEntryNamesAreDescriptorNumbers() {
    byte[] names = {'.', 0, '.', '.', 0, '0', '4', '2', 0};
    assertThat(DescriptorProbe.number(names, 0)).isEqualTo(-1);
    assertThat(DescriptorProbe.number(names, 2)).isEqualTo(-1);
    assertThat(DescriptorProbe.number(names, 5)).isEqualTo(42);
  }

  @Test
  void aServerSocketShowsAsSocket() throws IOException {
    List<Descriptor> before = probe.descriptors().orElseThrow();

    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(opened(before))
          .filteredOn(d -> d.kind() == Descriptor.Kind.SOCKET)
          .singleElement()
          .satisfies(d -> assertThat(d.target()).matches("socket:\\[\\d+]"));
    }
    assertThat(opened(before)).noneMatch(d -> d.kind() == Descriptor.Kind.SOCKET);
  }

  @Test
  void aPipeShowsAsTwoPipeEnds() throws IOException {
    List<Descriptor> before = probe.descriptors().orElseThrow();

    Pipe pipe = Pipe.open();
    try {
      List<Descriptor> ends =
          opened(before).stream().filter(d -> d.kind() == Descriptor.Kind.PIPE).toList();
      assertThat(ends).hasSize(2).allSatisfy(d -> assertThat(d.target()).matches("pipe:\\[\\d+]"));
      assertThat(ends.get(0).target()).isEqualTo(ends.get(1).target()); // one pipe, one inode
    } finally {
      pipe.sink().close();
      pipe.source().close();
    }
    assertThat(opened(before)).noneMatch(d -> d.kind() == Descriptor.Kind.PIPE);
  }

  @Test
  void theListingsOwnDirectoryIsNotReported() {
    assertThat(probe.descriptors().orElseThrow())
        .isNotEmpty()
        .noneMatch(d -> d.target().matches("/proc/\\d+/fd"))
        .anyMatch(d -> d.fd() == 0 || d.fd() == 1 || d.fd() == 2);
  }

  @Test
  void kindsFollowTheTarget() {
    assertThat(DescriptorProbe.kindOf("/tmp/x.log")).isEqualTo(Descriptor.Kind.FILE);
    assertThat(DescriptorProbe.kindOf("/dev/null")).isEqualTo(Descriptor.Kind.DEVICE);
    assertThat(DescriptorProbe.kindOf("socket:[81234]")).isEqualTo(Descriptor.Kind.SOCKET);
    assertThat(DescriptorProbe.kindOf("pipe:[5678]")).isEqualTo(Descriptor.Kind.PIPE);
    assertThat(DescriptorProbe.kindOf("anon_inode:[eventpoll]"))
        .isEqualTo(Descriptor.Kind.ANON_INODE);
    assertThat(DescriptorProbe.kindOf("net:[4026531840]")).isEqualTo(Descriptor.Kind.OTHER);
  }
}
