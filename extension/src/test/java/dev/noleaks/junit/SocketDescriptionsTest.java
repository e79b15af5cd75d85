package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.Check;
import dev.noleaks.probe.Sockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A leaked socket is named by what it is, from the kernel's socket tables, and can be ignored by
 * that description: a listening port, a connection's two ends, a unix socket's path.
 */
class SocketDescriptionsTest {

  static final List<ServerSocket> LEFT_OPEN = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (ServerSocket s : LEFT_OPEN) {
      s.close();
    }
    LEFT_OPEN.clear();
  }

  @NoLeaks(checks = Check.DESCRIPTORS)
  static class LeavesAServerOpen {
    @Test
    void listens() throws IOException {
      LEFT_OPEN.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    }
  }

  /** A tool attaching to the JVM (jcmd here; Mockito's inline mock maker attaches itself). */
  @NoLeaks
  static class AttachesToItself {
    @Test
    void runsJcmd() throws Exception {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      Process p =
          new ProcessBuilder(
                  jcmd.toString(), Long.toString(ProcessHandle.current().pid()), "VM.uptime")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      assertThat(p.waitFor()).isZero();
    }
  }

  @Test
  void aLeakedServerSocketIsNamedByItsAddress() {
    Throwable failure = failureOf(LeavesAServerOpen.class);
    int port = LEFT_OPEN.get(0).getLocalPort();
    assertThat(failure)
        .hasMessageContaining("1 file descriptor leaked: socket:[")
        .hasMessageContaining("] (tcp listening on 127.0.0.1:" + port + ")");
  }

  @Test
  void aSocketIsIgnoredByItsDescription() {
    assertPasses(
        LeavesAServerOpen.class,
        "noleaks.ignore.descriptors",
        "tcp listening on 127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void theAttachListenersSocketIsTheJvmsNotTheTests() {
    assertPasses(AttachesToItself.class);
    assertThat(Sockets.table().values())
        .as("the attach listener's socket exists, so the rule that ignores it was exercised")
        .anyMatch(v -> v.matches("unix /tmp/\\.java_pid" + ProcessHandle.current().pid() + ".*"));
  }
}
