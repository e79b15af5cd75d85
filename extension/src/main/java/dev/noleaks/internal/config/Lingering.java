package dev.noleaks.internal.config;

import dev.noleaks.JavaThread;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Threads and descriptors on their way out after a test: what the JDK shuts down by itself, later
 * than settling waits. Measured on JDK 17.0.15: an {@code HttpClient} that is no longer referenced
 * ends its {@code HttpClient-N-SelectorManager} and {@code HttpClient-N-Worker-M} threads and
 * closes its epoll, eventfd and socket 3.0 s after the GC (its selector wakes only at its 3 s
 * timeout; JDK 17 has no {@code close()}); the keep-alive cache of {@code HttpURLConnection} closes
 * an idle connection 5 to 10 s after its last use. Judged at once, every such test failed (126 of
 * 140 false alarms on jsoup's suite, see suites/FINDINGS.md); waited for, each would cost seconds.
 *
 * <p>So they are not judged at once: a test that leaves only these behind passes, and they are
 * checked again, at the end of its class (or, where NoLeaks is registered on a method only, at the
 * end of the test) after {@code noleaks.linger} from the test's end. What is still there then is
 * reported, naming the test. Which threads linger is a visible list ({@link #BUILT_IN_THREADS})
 * that {@code noleaks.linger.threads} extends; sockets, pipes and anonymous inodes (not files) the
 * test opened linger while such a thread, or the JDK's {@code Keep-Alive-Timer}, is alive.
 */
public record Lingering(List<Pattern> threads, Duration linger) {

  /**
   * Threads that end by themselves once what owns them is unreachable or idle: {@code HttpClient}'s
   * where it has no {@code close()} (before JDK 21: from 21 on a client can be closed, and one left
   * to the garbage collector is a leak like a stream left to it), and the JDK's keep-alive socket
   * cleaner.
   */
  static final List<String> BUILT_IN_THREADS = builtIn();

  /** Measured: 3.0 s for an unreferenced HttpClient, up to 10 s for a keep-alive connection. */
  static final String DEFAULT_LINGER = "12s";

  private static List<String> builtIn() {
    List<String> names = new ArrayList<>(List.of("Keep-Alive-SocketCleaner"));
    if (!AutoCloseable.class.isAssignableFrom(java.net.http.HttpClient.class)) {
      names.add("HttpClient-\\d+-SelectorManager");
      names.add("HttpClient-\\d+-Worker-\\d+");
    }
    return List.copyOf(names);
  }

  static Lingering of(List<Pattern> more, Duration linger) {
    List<Pattern> all = new ArrayList<>();
    BUILT_IN_THREADS.forEach(p -> all.add(Pattern.compile(p)));
    all.addAll(more);
    return new Lingering(all, linger);
  }

  public Lingering {
    threads = List.copyOf(threads);
  }

  /** Whether {@code t} is one of the threads that end by themselves. */
  public boolean lingers(JavaThread t) {
    return Ignores.matchesAny(threads, t.name());
  }
}
