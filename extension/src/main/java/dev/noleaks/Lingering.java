package dev.noleaks;

import dev.noleaks.probe.Descriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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
record Lingering(List<Pattern> threads, Duration linger) {

  /**
   * Threads that end by themselves once what owns them is unreachable or idle: {@code HttpClient}'s
   * where it has no {@code close()} (before JDK 21: from 21 on a client can be closed, and one left
   * to the garbage collector is a leak like a stream left to it), and the JDK's keep-alive socket
   * cleaner.
   */
  static final List<String> BUILT_IN_THREADS = builtIn();

  /** Threads whose presence lets sockets, pipes and anonymous inodes linger (besides the above). */
  private static final List<Pattern> HOLDERS = List.of(Pattern.compile("Keep-Alive-Timer"));

  /** The descriptors that linger beside such threads: never files or devices. */
  private static final Set<Descriptor.Kind> KINDS =
      java.util.EnumSet.of(
          Descriptor.Kind.SOCKET, Descriptor.Kind.PIPE, Descriptor.Kind.ANON_INODE);

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

  Lingering {
    threads = List.copyOf(threads);
  }

  /**
   * What a test left that is on its way out.
   *
   * @param threads threads it started, alive, of a lingering kind
   * @param descriptors sockets, pipes and anonymous inodes it opened while such a thread (or the
   *     keep-alive timer) is alive
   */
  record Left(List<JavaThread> threads, List<Descriptor> descriptors) {
    static final Left NONE = new Left(List.of(), List.of());

    Left {
      threads = List.copyOf(threads);
      descriptors = List.copyOf(descriptors);
    }

    /** Both, each thread and descriptor once. */
    Left plus(Left other) {
      java.util.Map<Long, JavaThread> byId = new java.util.LinkedHashMap<>();
      threads.forEach(t -> byId.putIfAbsent(t.id(), t));
      other.threads().forEach(t -> byId.putIfAbsent(t.id(), t));
      java.util.Map<String, Descriptor> byKey = new java.util.LinkedHashMap<>();
      descriptors.forEach(d -> byKey.putIfAbsent(SnapshotDiff.key(d), d));
      other.descriptors().forEach(d -> byKey.putIfAbsent(SnapshotDiff.key(d), d));
      return new Left(List.copyOf(byId.values()), List.copyOf(byKey.values()));
    }

    boolean isEmpty() {
      return threads.isEmpty() && descriptors.isEmpty();
    }

    /** {@code all} but these threads. */
    List<JavaThread> exceptThreads(List<JavaThread> all) {
      Set<Long> ids = new HashSet<>();
      threads.forEach(t -> ids.add(t.id()));
      return all.stream().filter(t -> !ids.contains(t.id())).toList();
    }

    /** {@code all} but these descriptors. */
    List<Descriptor> exceptDescriptors(List<Descriptor> all) {
      Set<String> keys = new HashSet<>();
      descriptors.forEach(d -> keys.add(SnapshotDiff.key(d)));
      return all.stream().filter(d -> !keys.contains(SnapshotDiff.key(d))).toList();
    }

    /** {@code 2 threads ("HttpClient-1-SelectorManager", …) and 3 file descriptors (…)}. */
    String describe() {
      List<String> parts = new ArrayList<>();
      if (!threads.isEmpty()) {
        parts.add(
            Sizes.plural(threads.size(), "thread")
                + " ("
                + threads.stream()
                    .map(t -> "\"" + t.name() + "\"")
                    .collect(Collectors.joining(", "))
                + ")");
      }
      if (!descriptors.isEmpty()) {
        parts.add(
            Sizes.plural(descriptors.size(), "file descriptor")
                + " ("
                + String.join(", ", Rules.described(descriptors))
                + ")");
      }
      return String.join(" and ", parts);
    }
  }

  /**
   * The lingering part of what a test left: {@code started} threads, {@code opened} descriptors.
   */
  Left of(List<JavaThread> started, List<Descriptor> opened, List<JavaThread> alive) {
    List<JavaThread> lingering = started.stream().filter(this::lingers).toList();
    boolean holder =
        alive.stream().anyMatch(t -> lingers(t) || Ignores.matchesAny(HOLDERS, t.name()));
    List<Descriptor> descriptors =
        holder ? opened.stream().filter(d -> KINDS.contains(d.kind())).toList() : List.of();
    if (lingering.isEmpty() && descriptors.isEmpty()) {
      return Left.NONE;
    }
    return new Left(lingering, descriptors);
  }

  private boolean lingers(JavaThread t) {
    return Ignores.matchesAny(threads, t.name());
  }

  /**
   * What is still there of {@code left} now. An anonymous inode's target names nothing that tells
   * one from another ({@code anon_inode:[eventpoll]}; all share one inode), and a closed
   * descriptor's number is the next one opened: once every thread that was left is gone (an
   * HttpClient closes its selector as its threads end), its anonymous inodes count as gone too.
   */
  static Left remaining(Meters meters, Left left) {
    Set<Long> alive = new HashSet<>();
    Meters.threads(false).forEach(t -> alive.add(t.id()));
    Set<String> open = new HashSet<>();
    meters.probe().descriptors().toOptional().orElse(List.of()).stream()
        .map(SnapshotDiff::key)
        .forEach(open::add);
    List<JavaThread> threads = left.threads().stream().filter(t -> alive.contains(t.id())).toList();
    boolean ownersGone = !left.threads().isEmpty() && threads.isEmpty();
    return new Left(
        threads,
        left.descriptors().stream()
            .filter(d -> open.contains(SnapshotDiff.key(d)))
            .filter(d -> !(ownersGone && d.kind() == Descriptor.Kind.ANON_INODE))
            .toList());
  }

  /**
   * Waits until nothing of {@code left} remains or {@code deadlineNanos} ({@link System#nanoTime})
   * has passed, polling every 50 ms; returns what remains.
   */
  static Left awaitGone(Meters meters, Left left, long deadlineNanos) {
    Left now = remaining(meters, left);
    while (!now.isEmpty() && System.nanoTime() < deadlineNanos) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return now;
      }
      now = remaining(meters, now);
    }
    return now;
  }

  /**
   * What a passed test left on its way out, to be checked again at the end of its class.
   *
   * @param test the test as people find it
   * @param owner the class's unique id
   * @param left what it left
   * @param deadlineNanos when it must be gone ({@link System#nanoTime})
   * @param settings the test's settings (warn mode, the linger)
   */
  record Pending(String test, String owner, Left left, long deadlineNanos, Settings settings) {}

  private static final ConcurrentLinkedQueue<Pending> PENDING = new ConcurrentLinkedQueue<>();

  static void defer(Pending pending) {
    PENDING.add(pending);
  }

  /**
   * The pending checks of one class, each waited for until its deadline: those whose threads or
   * descriptors are still there, with what remains. They are no longer pending afterwards.
   */
  static List<Pending> overdue(Meters meters, String owner) {
    List<Pending> late = new ArrayList<>();
    for (Pending p : PENDING) {
      if (!p.owner().equals(owner)) {
        continue;
      }
      PENDING.remove(p);
      Left remains = awaitGone(meters, p.left(), p.deadlineNanos());
      if (!remains.isEmpty()) {
        late.add(new Pending(p.test(), owner, remains, p.deadlineNanos(), p.settings()));
      }
    }
    return late;
  }

  /** The finding for what was still there after the linger. */
  static Finding stillThere(Left remains, Duration linger) {
    return Finding.leak(
        remains.threads().isEmpty() ? Check.DESCRIPTORS : Check.THREADS,
        remains.describe()
            + " still there "
            + Sizes.seconds(linger)
            + " after the test ended (they looked on their way out, and were waited for:"
            + " noleaks.linger)",
        List.of());
  }

  /** A short description of a pending check, for a report entry. */
  static Optional<String> note(Left left, Duration linger) {
    if (left.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "on their way out, checked again within "
            + Sizes.seconds(linger)
            + " (noleaks.linger): "
            + left.describe());
  }
}
