package dev.noleaks.examples.snippets;

import static dev.noleaks.assertions.MemoryAssertions.*;

import dev.noleaks.assertions.Snapshot;
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;

/** The fluent assertions of docs/assertions.md, compiled here; stand-ins for the code they test. */
class AssertionsSnippet {

  final Codec codec = new Codec();
  final byte[] frame = new byte[16];
  final Pool pool = new Pool();
  final Path file = Path.of("/dev/null");
  final Codec encoder = codec;
  final byte[] msg = frame;
  final Object session = new Object();
  final Server server = new Server();

  void assertions() throws IOException {
    // snippet:assertions
    assertThatRunning(() -> codec.decode(frame)).repeated(20).doesNotLeak();
    assertThatRunning(() -> pool.borrowAndReturn()).doesNotLeakThreads(); // single run
    assertThatRunning(() -> open(file)).ignoringDescriptors("/var/log/.*").doesNotLeakDescriptors();
    assertThatRunning(() -> encoder.encode(msg)).allocatesAtMost("1 KB"); // calling thread, exact
    assertThat(new WeakReference<>(session)).within(Duration.ofSeconds(2)).isGarbageCollected();

    Snapshot before = Snapshot.take();
    server.stop();
    assertThat(before.diff(Snapshot.take()))
        .hasNoLeakedDescriptors()
        .hasNoLeakedThreads()
        .hasNativeGrowthAtMost("64 KB");

    assertThat(Snapshot.take()).nativeFragmentation().isLessThan(0.3);
    // end:assertions
  }

  static FileInputStream open(Path file) throws IOException {
    return new FileInputStream(file.toFile());
  }

  static final class Codec {
    byte[] decode(byte[] frame) {
      return frame.clone();
    }

    byte[] encode(byte[] msg) {
      return msg.clone();
    }
  }

  static final class Pool {
    void borrowAndReturn() {}
  }

  static final class Server {
    void stop() {}
  }
}
