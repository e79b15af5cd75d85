package dev.noleaks.internal.judge;

import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Ignores;
import dev.noleaks.internal.config.Lingering;
import dev.noleaks.internal.measure.Diff;
import dev.noleaks.internal.measure.Meters;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.probe.Descriptor;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a test left that is on its way out ({@link Lingering} says which threads and descriptors
 * those are): found at the end of a check, waited for, and what is still there after the linger
 * becomes a finding.
 *
 * @param threads threads it started, alive, of a lingering kind
 * @param descriptors sockets, pipes and anonymous inodes it opened while such a thread (or the
 *     keep-alive timer) is alive
 */
public record Left(List<JavaThread> threads, List<Descriptor> descriptors) {
  public static final Left NONE = new Left(List.of(), List.of());

  public Left {
    threads = List.copyOf(threads);
    descriptors = List.copyOf(descriptors);
  }

  /** Both, each thread and descriptor once. */
  public Left plus(Left other) {
    Map<Long, JavaThread> byId = new LinkedHashMap<>();
    threads.forEach(t -> byId.putIfAbsent(t.id(), t));
    other.threads().forEach(t -> byId.putIfAbsent(t.id(), t));
    Map<String, Descriptor> byKey = new LinkedHashMap<>();
    descriptors.forEach(d -> byKey.putIfAbsent(Diff.key(d), d));
    other.descriptors().forEach(d -> byKey.putIfAbsent(Diff.key(d), d));
    return new Left(List.copyOf(byId.values()), List.copyOf(byKey.values()));
  }

  /** {@code r} without these threads and descriptors. */
  public Readings removeFrom(Readings r) {
    return new Readings(
        r.takenAt(),
        r.heapUsed(),
        r.heapExact(),
        r.directBuffers(),
        r.mappedBuffers(),
        r.malloc(),
        r.jvmMalloc(),
        r.descriptors().map(this::exceptDescriptors),
        exceptThreads(r.threads()),
        r.nativeThreadCount(),
        r.residentBytes(),
        r.allocatedBytes(),
        r.pooledDirect(),
        r.pooledHeap());
  }

  public boolean isEmpty() {
    return threads.isEmpty() && descriptors.isEmpty();
  }

  /** {@code all} but these threads. */
  public List<JavaThread> exceptThreads(List<JavaThread> all) {
    Set<Long> ids = new HashSet<>();
    threads.forEach(t -> ids.add(t.id()));
    return all.stream().filter(t -> !ids.contains(t.id())).toList();
  }

  /** {@code all} but these descriptors. */
  public List<Descriptor> exceptDescriptors(List<Descriptor> all) {
    Set<String> keys = new HashSet<>();
    descriptors.forEach(d -> keys.add(Diff.key(d)));
    return all.stream().filter(d -> !keys.contains(Diff.key(d))).toList();
  }

  /**
   * What a message shows of what was left: the threads, and the descriptors with what the kernel's
   * tables say of their sockets now.
   */
  public record Described(List<JavaThread> threads, List<OpenDescriptor> descriptors) {
    public Described {
      threads = List.copyOf(threads);
      descriptors = List.copyOf(descriptors);
    }
  }

  /** These threads and descriptors as a message shows them, their sockets looked up now. */
  public Described described() {
    return new Described(threads, OpenDescriptor.of(descriptors));
  }

  /** Threads whose presence lets sockets, pipes and anonymous inodes linger (besides the above). */
  private static final List<Pattern> HOLDERS = List.of(Pattern.compile("Keep-Alive-Timer"));

  /** The descriptors that linger beside such threads: never files or devices. */
  private static final Set<Descriptor.Kind> KINDS =
      EnumSet.of(Descriptor.Kind.SOCKET, Descriptor.Kind.PIPE, Descriptor.Kind.ANON_INODE);

  /**
   * The lingering part, by {@code lingering}, of what a test left: {@code started} threads, {@code
   * opened} descriptors, while {@code alive} threads are alive.
   */
  public static Left of(
      Lingering lingering,
      List<JavaThread> started,
      List<Descriptor> opened,
      List<JavaThread> alive) {
    List<JavaThread> threads = started.stream().filter(lingering::lingers).toList();
    boolean holder =
        alive.stream().anyMatch(t -> lingering.lingers(t) || Ignores.matchesAny(HOLDERS, t.name()));
    List<Descriptor> descriptors =
        holder ? opened.stream().filter(d -> KINDS.contains(d.kind())).toList() : List.of();
    if (threads.isEmpty() && descriptors.isEmpty()) {
      return Left.NONE;
    }
    return new Left(threads, descriptors);
  }

  /**
   * What is still there of {@code left} now. An anonymous inode's target names nothing that tells
   * one from another ({@code anon_inode:[eventpoll]}; all share one inode), and a closed
   * descriptor's number is the next one opened: once every thread that was left is gone (an
   * HttpClient closes its selector as its threads end), its anonymous inodes count as gone too.
   */
  public static Left remaining(Meters meters, Left left) {
    Set<Long> alive = new HashSet<>();
    Meters.threads(false).forEach(t -> alive.add(t.id()));
    Set<String> open = new HashSet<>();
    meters.probe().descriptors().toOptional().orElse(List.of()).stream()
        .map(Diff::key)
        .forEach(open::add);
    List<JavaThread> threads = left.threads().stream().filter(t -> alive.contains(t.id())).toList();
    boolean ownersGone = !left.threads().isEmpty() && threads.isEmpty();
    return new Left(
        threads,
        left.descriptors().stream()
            .filter(d -> open.contains(Diff.key(d)))
            .filter(d -> !(ownersGone && d.kind() == Descriptor.Kind.ANON_INODE))
            .toList());
  }

  /**
   * Waits until nothing of {@code left} remains or {@code deadlineNanos} ({@link System#nanoTime})
   * has passed, polling every 50 ms; returns what remains.
   */
  public static Left awaitGone(Meters meters, Left left, long deadlineNanos) {
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
   * What of this is still there at {@code deadlineNanos}, waited for until then ({@link
   * #awaitGone}), as the finding for something that outlasted its {@code linger}; empty when all of
   * it went.
   */
  public Optional<Finding.StillThere> stillThereAt(
      Meters meters, long deadlineNanos, Duration linger) {
    Left remains = awaitGone(meters, this, deadlineNanos);
    return remains.isEmpty()
        ? Optional.empty()
        : Optional.of(new Finding.StillThere(remains.described(), linger));
  }
}
