package dev.noleaks.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SocketsTest {

  private final Probe probe = Probe.current();

  @Test
  void linesOfTheKernelsTablesReadAsAddresses() {
    Map<Long, String> table = new HashMap<>();
    Sockets.inet(
        "tcp",
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
            + "     0        0 81234 1 0000000000000000 100 0 0 10 0",
        table);
    Sockets.inet(
        "tcp6",
        "   1: 0000000000000000FFFF00000100007F:A0F2 0000000000000000FFFF00000100007F:1F90 01"
            + " 00000000:00000000 00:00000000 00000000     0        0 81235 1 0 20 4 30 10 -1",
        table);
    Sockets.inet(
        "tcp6",
        "   2: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A"
            + " 00000000:00000000 00:00000000 00000000     0        0 81236 1 0 100 0 0 10 0",
        table);
    Sockets.inet(
        "udp",
        "  3: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000"
            + "     0        0 81237 2 0000000000000000 0",
        table);
    Sockets.unix(
        "0000000000000000: 00000002 00000000 00010000 0001 01 81238 /tmp/.java_pid42", table);
    Sockets.unix("0000000000000000: 00000003 00000000 00000000 0001 03 81239", table);
    assertThat(table)
        .containsEntry(81234L, "tcp listening on 127.0.0.1:8080")
        .containsEntry(81235L, "tcp 127.0.0.1:41202 → 127.0.0.1:8080 established")
        .containsEntry(81236L, "tcp listening on [0:0:0:0:0:0:0:1]:80")
        .containsEntry(81237L, "udp 127.0.0.1:53")
        .containsEntry(81238L, "unix /tmp/.java_pid42")
        .containsEntry(81239L, "unix (unnamed)");
  }

  @Test
  void aSocketTargetNamesItsInode() {
    assertThat(Sockets.inode("socket:[81234]")).isEqualTo(81234);
    assertThat(Sockets.inode("pipe:[5]")).isEqualTo(-1);
    assertThat(Sockets.inode("/tmp/socket:[1]")).isEqualTo(-1);
  }

  @Test
  void aRealServerAndItsConnectionAreDescribed() throws IOException {
    List<Descriptor> before = probe.descriptors().orElseThrow();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      List<Descriptor> opened = new ArrayList<>(probe.descriptors().orElseThrow());
      opened.removeAll(before);
      Map<Long, String> table = Sockets.table();
      List<String> described =
          opened.stream()
              .filter(d -> d.kind() == Descriptor.Kind.SOCKET)
              .map(d -> table.get(Sockets.inode(d.target())))
              .toList();
      int port = server.getLocalPort();
      assertThat(described)
          .contains(
              "tcp listening on 127.0.0.1:" + port,
              "tcp 127.0.0.1:" + client.getLocalPort() + " → 127.0.0.1:" + port + " established",
              "tcp 127.0.0.1:" + port + " → 127.0.0.1:" + client.getLocalPort() + " established");
    }
  }
}
