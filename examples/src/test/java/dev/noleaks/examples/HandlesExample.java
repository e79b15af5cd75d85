package dev.noleaks.examples;

import static dev.noleaks.assertions.MemoryAssertions.assertThat;

import dev.noleaks.assertions.Snapshot;
import dev.noleaks.junit.NoLeaks;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 2 — handles that are never closed: the {@code CreateFile} without {@code CloseHandle} of
 * ctypes code, here files, channels and sockets, each an operating-system descriptor.
 *
 * <p>The JDK closes the descriptor of an <em>unreachable</em> stream when the collector finds it (a
 * {@link java.lang.ref.Cleaner}), but nothing says when that GC comes: a busy server runs out of
 * descriptors ("Too many open files") long before. NoLeaks reads the descriptors before its own GC
 * and reports one that only the GC released. The leaks that last are handles something still
 * references — a field of a long-lived object, as here in {@link #OPEN} — and the fix is the same
 * for both: {@code try}-with-resources.
 */
class HandlesExample {

  /** Handles a long-lived object holds on to and never closes (a connection cache, a registry). */
  private static final List<AutoCloseable> OPEN = new ArrayList<>();

  @TempDir Path dir;

  private Path orders;

  @BeforeEach
  void writeOrders() throws IOException {
    orders = Files.writeString(dir.resolve("orders.csv"), "id,amount\n1,42\n2,17\n");
  }

  // --- leaky ---------------------------------------------------------------------------------

  @Test
  @NoLeaks
  void leakyFileInputStream() throws IOException {
    InputStream in = new FileInputStream(orders.toFile());
    in.read();
    OPEN.add(in); // never closed
  }

  @Test
  @NoLeaks
  void leakyStreamLeftToTheGarbageCollector() throws IOException {
    new FileInputStream(orders.toFile()).read(); // dropped, never closed: open until a GC
  }

  @Test
  @NoLeaks
  void leakyRandomAccessFile() throws IOException {
    RandomAccessFile file = new RandomAccessFile(dir.resolve("index.dat").toFile(), "rw");
    file.writeLong(42);
    OPEN.add(file); // never closed
  }

  @Test
  @NoLeaks
  void leakyFileChannel() throws IOException {
    FileChannel channel = FileChannel.open(orders, StandardOpenOption.READ);
    channel.read(ByteBuffer.allocate(16));
    OPEN.add(channel); // never closed
  }

  /** The server side is closed properly; the client connection is not. */
  @Test
  @NoLeaks
  void leakySocket() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
      try (Socket accepted = server.accept()) {
        client.getOutputStream().write('x');
        accepted.getInputStream().read();
      }
      OPEN.add(client); // never closed
    }
  }

  /** Snapshots around the code, compared with the fluent assertion. */
  @Test
  void leakyFileInputStreamSnapshots() throws IOException {
    Snapshot before = Snapshot.take();
    InputStream in = new FileInputStream(orders.toFile());
    OPEN.add(in); // never closed
    assertThat(before.diff(Snapshot.take())).hasNoLeakedDescriptors();
  }

  // --- fixed ---------------------------------------------------------------------------------

  @Test
  @NoLeaks
  void fixedFileInputStream() throws IOException {
    try (InputStream in = new FileInputStream(orders.toFile())) {
      in.read();
    }
  }

  @Test
  @NoLeaks
  void fixedRandomAccessFile() throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("index.dat").toFile(), "rw")) {
      file.writeLong(42);
    }
  }

  @Test
  @NoLeaks
  void fixedFileChannel() throws IOException {
    try (FileChannel channel = FileChannel.open(orders, StandardOpenOption.READ)) {
      channel.read(ByteBuffer.allocate(16));
    }
  }

  @Test
  void fixedFileInputStreamSnapshots() throws IOException {
    Snapshot before = Snapshot.take();
    try (InputStream in = new FileInputStream(orders.toFile())) {
      in.read();
    }
    assertThat(before.diff(Snapshot.take())).hasNoLeakedDescriptors();
  }

  @Test
  @NoLeaks
  void fixedSocket() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      OutputStream out = client.getOutputStream();
      out.write('x');
      accepted.getInputStream().read();
    }
  }
}
