package dev.noleaks.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.ref.WeakReference;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent in a JVM started with it ({@code -javaagent}, by failsafe): real files, sockets, pipes
 * and a process, each opening kind recorded at the line of this class that opened it, found by the
 * descriptor numbers that {@code /proc/self/fd} shows appeared.
 */
class RecorderTest {

  @TempDir Path dir;

  private final List<Closeable> open = new ArrayList<>();
  private Path file;

  /**
   * The JDK's one-time descriptors out of the way: JDK 25 opens a socket of its own the first time
   * a socket is made (the dispatcher's pre-close socket), which a count of new ones would take for
   * the test's.
   */
  @BeforeAll
  static void warmUp() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket(0, 1, loopback);
        Socket client = new Socket(loopback, server.getLocalPort());
        Socket accepted = server.accept();
        DatagramSocket datagram = new DatagramSocket(0, loopback)) {
      Pipe pipe = Pipe.open();
      pipe.source().close();
      pipe.sink().close();
    }
  }

  @BeforeEach
  void aFile() throws IOException {
    file = Files.writeString(dir.resolve("orders.csv"), "id,amount\n1,20\n");
  }

  @AfterEach
  void closeAll() throws IOException {
    for (Closeable c : open) {
      c.close();
    }
  }

  @Test
  void everyOpeningPointOfThisJdkIsRewritten() throws ClassNotFoundException {
    for (String name : Installation.classes()) {
      Class.forName(name, false, null); // a class loaded now is rewritten now
    }
    Map<String, Object> report = Installation.report();
    for (String name : Installation.classes()) {
      assertThat(report.get(name))
          .as("calls rewritten in %s", name)
          .isInstanceOf(Integer.class)
          .asInstanceOf(InstanceOfAssertFactories.INTEGER)
          .isPositive();
    }
    assertThat(Installation.startupNanos()).isPositive();
  }

  @Test
  void fileInputStream() throws IOException {
    Before before = before();
    int line = nextLine();
    keep(new FileInputStream(file.toFile()));
    assertOpenedAt(before.opened(1), line);
  }

  @Test
  void fileOutputStream() throws IOException {
    Before before = before();
    int line = nextLine();
    keep(new FileOutputStream(file.toFile(), true));
    assertOpenedAt(before.opened(1), line);
  }

  @Test
  void randomAccessFile() throws IOException {
    Before before = before();
    int line = nextLine();
    keep(new RandomAccessFile(file.toFile(), "rw"));
    assertOpenedAt(before.opened(1), line);
  }

  @Test
  void zipFile() throws IOException {
    Path zip = dir.resolve("orders.zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      out.putNextEntry(new ZipEntry("orders.csv"));
      out.write(Files.readAllBytes(file));
    }
    Before before = before();
    int line = nextLine();
    keep(new ZipFile(zip.toFile()));
    assertOpenedAt(before.opened(1), line);
  }

  @Test
  void fileChannel() throws IOException {
    Before before = before();
    int line = nextLine();
    keep(FileChannel.open(file, StandardOpenOption.READ));
    assertOpenedAt(before.opened(1), line);
  }

  @Test
  void filesNewInputStreamOutputStreamAndByteChannel() throws IOException {
    Before before = before();
    int in = nextLine();
    keep(Files.newInputStream(file));
    assertOpenedAt(before.opened(1), in);

    before = before();
    int out = nextLine();
    keep(Files.newOutputStream(dir.resolve("out.csv")));
    assertOpenedAt(before.opened(1), out);

    before = before();
    int channel = nextLine();
    keep(Files.newByteChannel(file));
    assertOpenedAt(before.opened(1), channel);
  }

  @Test
  void socketsServerSocketsAndAcceptedSockets() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    Before before = before();
    int serverLine = nextLine();
    ServerSocket server = keep(new ServerSocket(0, 1, loopback));
    assertOpenedAt(before.opened(1), serverLine);

    before = before();
    int clientLine = nextLine();
    keep(new Socket(loopback, server.getLocalPort()));
    assertOpenedAt(before.opened(1), clientLine);

    before = before();
    int acceptLine = nextLine();
    keep(server.accept());
    assertOpenedAt(before.opened(1), acceptLine);
  }

  @Test
  void socketChannelsServerSocketChannelsAndAcceptedChannels() throws IOException {
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    Before before = before();
    int serverLine = nextLine();
    ServerSocketChannel server = keep(ServerSocketChannel.open());
    assertOpenedAt(before.opened(1), serverLine);
    server.bind(any);

    before = before();
    int clientLine = nextLine();
    keep(SocketChannel.open(server.getLocalAddress()));
    assertOpenedAt(before.opened(1), clientLine);

    before = before();
    int acceptLine = nextLine();
    keep(server.accept());
    assertOpenedAt(before.opened(1), acceptLine);
  }

  @Test
  void datagramSocketsAndChannels() throws IOException {
    Before before = before();
    int socketLine = nextLine();
    keep(new DatagramSocket(0, InetAddress.getLoopbackAddress()));
    assertOpenedAt(before.opened(1), socketLine);

    before = before();
    int channelLine = nextLine();
    keep(DatagramChannel.open());
    assertOpenedAt(before.opened(1), channelLine);
  }

  @Test
  void pipes() throws IOException {
    Before before = before();
    int line = nextLine();
    Pipe pipe = Pipe.open();
    keep(pipe.source());
    keep(pipe.sink());
    List<Integer> ends = before.opened(2);
    assertOpenedAt(ends.subList(0, 1), line);
    assertOpenedAt(ends.subList(1, 2), line);
  }

  @Test
  void aProcessesPipes() throws Exception {
    Before before = before();
    int line = nextLine();
    Process process = new ProcessBuilder("cat").start();
    List<Integer> pipes = before.opened(3);
    for (int fd : pipes) {
      assertOpenedAt(List.of(fd), line);
    }
    process.getOutputStream().close();
    process.waitFor();
    process.getInputStream().close();
    process.getErrorStream().close();
  }

  @Test
  void aClosedDescriptorHasNoRecord() throws IOException {
    Before before = before();
    FileInputStream in = new FileInputStream(file.toFile());
    int fd = before.opened(1).get(0);
    assertThat(site(fd)).isPresent();
    in.close();
    assertThat(site(fd)).isEmpty();
  }

  /**
   * Repeated: the number handed out again must show the new site every time, never the old. The
   * kernel hands out the lowest free number, but other threads of this JVM open and close
   * descriptors too (one closed a lower number between the close and the open here once in ten
   * builds), so when the second open got another number, both steps are tried again, a few times at
   * most.
   */
  @RepeatedTest(20)
  void aNumberOpenedAgainShowsTheNewSiteNeverTheOld() throws IOException {
    for (int attempt = 1; ; attempt++) {
      Before before = before();
      FileInputStream first = new FileInputStream(file.toFile());
      int fd = before.opened(1).get(0);
      first.close();

      before = before();
      int line = nextLine();
      FileOutputStream again = new FileOutputStream(dir.resolve("other.csv").toFile());
      List<Integer> opened = before.opened(1);
      if (opened.contains(fd)) {
        keep(again);
        assertOpenedAt(opened, line);
        return;
      }
      again.close();
      assertThat(attempt).as("attempts until a number was handed out again").isLessThan(5);
    }
  }

  @Test
  void aNumberOpenedAgainByCodeTheAgentDoesNotSeeShowsNothing() throws IOException {
    Before before = before();
    FileInputStream first = new FileInputStream(file.toFile());
    int fd = before.opened(1).get(0);
    first.close();

    before = before();
    // a directory stream opens its descriptors (two, on Linux) without a FileDescriptor
    try (var entries = Files.newDirectoryStream(dir)) {
      assertThat(before.opened()).contains(fd);
      assertThat(site(fd)).isEmpty();
      assertThat(first).isNotNull(); // the closed one is still reachable, and its record held
    }
  }

  @Test
  void aStreamDroppedAndCollectedHasNoRecord() throws IOException {
    int records = Recorder.size();
    Before before = before();
    WeakReference<FileInputStream> dropped = new WeakReference<>(openAndDrop());
    int fd = before.opened(1).get(0);
    assertThat(site(fd)).isPresent();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              System.gc();
              return dropped.get() == null && Recorder.size() <= records;
            });
    assertThat(site(fd)).isEmpty();
  }

  private FileInputStream openAndDrop() throws IOException {
    return new FileInputStream(file.toFile());
  }

  // ---------------------------------------------------------------------------------------------

  private <T extends Closeable> T keep(T resource) {
    open.add(resource);
    return resource;
  }

  /** The line after the caller's: where the caller's next statement opens. */
  private static int nextLine() {
    return new Throwable().getStackTrace()[1].getLineNumber() + 1;
  }

  record Site(String thread, List<StackTraceElement> stack) {}

  private static Optional<Site> site(int fd) {
    Object[] site = Recorder.site(fd);
    return site == null
        ? Optional.empty()
        : Optional.of(new Site((String) site[0], List.of((StackTraceElement[]) site[1])));
  }

  private void assertOpenedAt(List<Integer> fds, int line) {
    assertThat(fds).isNotEmpty();
    for (int fd : fds) {
      Site site = site(fd).orElseThrow(() -> new AssertionError("no site for descriptor " + fd));
      assertThat(site.thread()).isEqualTo(Thread.currentThread().getName());
      assertThat(site.stack().get(0).getClassName()).doesNotStartWith("dev.noleaks.agent.Recorder");
      StackTraceElement own =
          site.stack().stream()
              .filter(e -> !isJdk(e.getClassName()))
              .findFirst()
              .orElseThrow(() -> new AssertionError("only JDK frames: " + site.stack()));
      assertThat(own.getClassName()).isEqualTo(RecorderTest.class.getName());
      assertThat(own.getLineNumber()).as("line of %s", own).isEqualTo(line);
    }
  }

  private static boolean isJdk(String c) {
    return c.startsWith("java.")
        || c.startsWith("javax.")
        || c.startsWith("jdk.")
        || c.startsWith("sun.")
        || c.startsWith("com.sun.");
  }

  /** The descriptors open now, to tell which ones an open added. */
  private Before before() throws IOException {
    return new Before(dir.toRealPath(), openNow().keySet());
  }

  /**
   * The descriptors open before a step, to tell the ones the step opened from the ones other code
   * of this JVM opened meanwhile: a class path jar opened on first use, the test runner's own files
   * or sockets on its threads (seen in CI under load: two new descriptors where one open ran). The
   * step's own are files in the test's directory, sockets and pipes, and were not recorded for
   * another thread.
   */
  private record Before(Path dir, Set<Integer> fds) {
    /** The descriptors the step opened, in number order: exactly {@code count} of them. */
    List<Integer> opened(int count) throws IOException {
      List<Integer> opened = opened();
      assertThat(opened).as("descriptors opened").hasSize(count);
      return opened;
    }

    /** The descriptors the step opened, in number order. */
    List<Integer> opened() throws IOException {
      List<Integer> opened = new ArrayList<>();
      openNow()
          .forEach(
              (fd, target) -> {
                if (!fds.contains(fd) && isTheSteps(fd, target)) {
                  opened.add(fd);
                }
              });
      return opened;
    }

    private boolean isTheSteps(int fd, String target) {
      boolean kind =
          target.startsWith("socket:")
              || target.startsWith("pipe:")
              || Path.of(target).startsWith(dir);
      return kind && site(fd).map(s -> s.thread().equals(currentThreadName())).orElse(true);
    }
  }

  private static String currentThreadName() {
    return Thread.currentThread().getName();
  }

  /**
   * {@code /proc/self/fd} as descriptor number to what it links to, in number order, without the
   * descriptor of the listing itself.
   */
  private static Map<Integer, String> openNow() throws IOException {
    Map<Integer, String> fds = new TreeMap<>();
    Path proc = Path.of("/proc/self/fd");
    try (var entries = Files.newDirectoryStream(proc)) {
      for (Path entry : entries) {
        try {
          String target = Files.readSymbolicLink(entry).toString();
          if (!target.matches("/proc/\\d+/fd")) {
            fds.put(Integer.parseInt(entry.getFileName().toString()), target);
          }
        } catch (IOException gone) {
          // closed while listed
        }
      }
    }
    return fds;
  }
}
