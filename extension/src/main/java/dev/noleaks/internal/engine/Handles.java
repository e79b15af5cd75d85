package dev.noleaks.internal.engine;

import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.judge.OpenDescriptor;
import dev.noleaks.internal.measure.Diff;
import dev.noleaks.internal.measure.Meters;
import dev.noleaks.internal.measure.ThreadOrigins;
import dev.noleaks.internal.report.Messages;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads and descriptors a check's first run left, read right after it (before any tear-down),
 * and how the end judges leaked threads and descriptors: by which code made a thread ({@link
 * ThreadOrigins}), and by what a second run added (nothing: a server started once for the JVM;
 * more: a leak per call).
 *
 * @param threads the ids of every thread alive then
 * @param descriptors the keys of every descriptor open then ({@link Diff#key})
 */
record Handles(Set<Long> threads, Set<String> descriptors) {

  Handles {
    threads = Set.copyOf(threads);
    descriptors = Set.copyOf(descriptors);
  }

  /**
   * What the method left, when it started threads that are still alive and not on their way out (a
   * server or pool started once for the JVM, or a leak per call, which a second run tells apart).
   * Threads only decide it (an enumeration of ~10 µs); descriptors are read only then.
   *
   * @param atStart the threads when the method started
   */
  static Optional<Handles> leftBy(Meters meters, Settings settings, List<JavaThread> atStart) {
    List<JavaThread> now = Meters.threads(false);
    boolean started =
        Diff.started(atStart, now, settings.ignores()).stream()
            .anyMatch(t -> !settings.lingering().lingers(t));
    if (!started) {
      return Optional.empty();
    }
    Set<Long> threads = new HashSet<>();
    now.forEach(t -> threads.add(t.id()));
    Set<String> descriptors = new HashSet<>();
    meters
        .probe()
        .descriptors()
        .toOptional()
        .orElse(List.of())
        .forEach(d -> descriptors.add(Diff.key(d)));
    return Optional.of(new Handles(threads, descriptors));
  }

  /**
   * The leaked threads as their origins tell: those that threads of code other than {@code own}
   * made since {@code since} are that code's growth, in a note; {@code own}'s say where its code
   * made them. Call after the end's full GC.
   */
  static Judgement attributed(Judgement judgement, ThreadOrigins.Scope scope) {
    Optional<Finding.ThreadsLeaked> threads =
        judgement.leaks().stream()
            .filter(Finding.ThreadsLeaked.class::isInstance)
            .map(Finding.ThreadsLeaked.class::cast)
            .findFirst();
    if (threads.isEmpty()) {
      return judgement;
    }
    ThreadOrigins.Attribution origins =
        ThreadOrigins.of(scope.own(), scope.since(), threads.get().threads());
    List<JavaThread> ours =
        threads.get().threads().stream().filter(t -> !origins.grownByOthers().contains(t)).toList();
    List<Finding.Leak> leaks = new ArrayList<>();
    for (Finding.Leak leak : judgement.leaks()) {
      if (leak != threads.get()) {
        leaks.add(leak);
      } else if (!ours.isEmpty()) {
        leaks.add(new Finding.ThreadsLeaked(ours, origins.madeAt()));
      }
    }
    Judgement attributed = judgement.withLeaks(leaks);
    return origins.grownByOthers().isEmpty()
        ? attributed
        : attributed.with(
            List.of(),
            Optional.of(Messages.grownByOthers(origins.grownByOthers(), origins.others())));
  }

  /**
   * The end's threads and descriptors against these, left by the first run, after a second run
   * under {@code secondRun} (from {@code since} in the sequence of thread makings): what is still
   * there, all of it there since the first run, is a first use (a server or pool the code starts
   * once for the JVM), in a note; anything the second run added that stayed is a leak per call.
   */
  Judgement judged(Judgement judgement, ThreadOrigins.Owner secondRun, long since) {
    List<JavaThread> leftThreads = new ArrayList<>();
    List<OpenDescriptor> leftDescriptors = new ArrayList<>();
    for (Finding.Leak leak : judgement.leaks()) {
      if (leak instanceof Finding.ThreadsLeaked t) {
        leftThreads.addAll(t.threads());
      } else if (leak instanceof Finding.DescriptorsLeaked d) {
        leftDescriptors.addAll(d.descriptors());
      }
    }
    // A thread the second run's own code made is a leak per call; one that a thread of the first
    // run made meanwhile (its server's next event loop) is what the first run started, growing.
    List<JavaThread> notThereBefore =
        leftThreads.stream().filter(t -> !threads.contains(t.id())).toList();
    ThreadOrigins.Attribution ofTheSecondRun =
        ThreadOrigins.of(Set.of(secondRun), since, notThereBefore);
    List<JavaThread> madeBySecondRun =
        notThereBefore.stream().filter(t -> !ofTheSecondRun.grownByOthers().contains(t)).toList();
    boolean addedBySecondRun =
        !growPoolsOfTheFirstRun(madeBySecondRun)
            || leftDescriptors.stream()
                .anyMatch(d -> !descriptors.contains(Diff.key(d.descriptor())));
    if (leftThreads.isEmpty() && leftDescriptors.isEmpty() || addedBySecondRun) {
      return firstRunsOnly(judgement);
    }
    return judgement
        .without(f -> f instanceof Finding.ThreadsLeaked || f instanceof Finding.DescriptorsLeaked)
        .retainedOnce(
            judgement.leaks().stream()
                .filter(
                    f ->
                        f instanceof Finding.ThreadsLeaked
                            || f instanceof Finding.DescriptorsLeaked)
                .toList(),
            Messages.handlesRetainedOnce(new Left.Described(leftThreads, leftDescriptors)));
  }

  /**
   * Whether every one of {@code made} is an idle worker of a pool one of whose workers was alive
   * right after the first run: parked on the same object (the pool's task queue), waiting for a
   * task. A pool of fixed size that a class's set-up made and its tear-down shuts down starts a
   * worker for each task until it is full, in the second run as in the first (two of three such
   * tests failed as leaks per call); a pool made per call parks its worker on a queue of its own,
   * and a worker that runs a task that never ends is not idle, so both are still leaks per call.
   */
  private boolean growPoolsOfTheFirstRun(List<JavaThread> made) {
    if (made.isEmpty()) {
      return true;
    }
    Map<Long, Map.Entry<Thread, StackTraceElement[]>> live = new HashMap<>();
    Thread.getAllStackTraces().entrySet().forEach(e -> live.put(e.getKey().getId(), e));
    Set<Object> firstRunsQueues = Collections.newSetFromMap(new IdentityHashMap<>());
    for (long id : threads) {
      Object queue = idleWorkersQueue(live.get(id));
      if (queue != null) {
        firstRunsQueues.add(queue);
      }
    }
    return made.stream()
        .allMatch(
            t -> {
              Object queue = idleWorkersQueue(live.get(t.id()));
              return queue != null && firstRunsQueues.contains(queue);
            });
  }

  /**
   * What a pool's worker waiting for a task is parked on (its pool's queue, or the pool), or null
   * when the thread is gone, not a pool's worker, or busy.
   */
  private static Object idleWorkersQueue(Map.Entry<Thread, StackTraceElement[]> thread) {
    if (thread == null) {
      return null;
    }
    boolean idle =
        java.util.Arrays.stream(thread.getValue())
            .anyMatch(
                f ->
                    f.getClassName().equals("java.util.concurrent.ThreadPoolExecutor")
                            && f.getMethodName().equals("getTask")
                        || f.getClassName().equals("java.util.concurrent.ForkJoinPool")
                            && f.getMethodName().equals("awaitWork"));
    return idle ? LockSupport.getBlocker(thread.getKey()) : null;
  }

  /**
   * The threads and descriptors of a leak per call as its first run left them, so that the finding
   * counts one call's (the second run left as many again: a note says how many). All of them when
   * none of a kind was there after the first run.
   */
  private Judgement firstRunsOnly(Judgement judgement) {
    int moreThreads = 0;
    int moreDescriptors = 0;
    List<Finding.Leak> leaks = new ArrayList<>();
    for (Finding.Leak leak : judgement.leaks()) {
      if (leak instanceof Finding.ThreadsLeaked t) {
        List<JavaThread> first = firstRuns(t.threads());
        moreThreads += t.threads().size() - first.size();
        leak = new Finding.ThreadsLeaked(first, t.madeAt());
      } else if (leak instanceof Finding.StoppedByGc t) {
        List<JavaThread> first = firstRuns(t.threads());
        moreThreads += t.threads().size() - first.size();
        leak = new Finding.StoppedByGc(first, t.madeAt());
      } else if (leak instanceof Finding.DescriptorsLeaked d) {
        List<OpenDescriptor> first = firstRunsDescriptors(d.descriptors());
        moreDescriptors += d.descriptors().size() - first.size();
        leak = new Finding.DescriptorsLeaked(first);
      } else if (leak instanceof Finding.ClosedByGc d) {
        List<OpenDescriptor> first = firstRunsDescriptors(d.descriptors());
        moreDescriptors += d.descriptors().size() - first.size();
        leak = new Finding.ClosedByGc(first);
      }
      leaks.add(leak);
    }
    if (moreThreads == 0 && moreDescriptors == 0) {
      return judgement;
    }
    return judgement
        .withLeaks(leaks)
        .with(List.of(), Optional.of(Messages.handlesLeftAgain(moreThreads, moreDescriptors)));
  }

  /** Those of {@code all} alive right after the first run; all of them when none was. */
  private List<JavaThread> firstRuns(List<JavaThread> all) {
    List<JavaThread> first = all.stream().filter(t -> threads.contains(t.id())).toList();
    return first.isEmpty() ? all : first;
  }

  /** Those of {@code all} open right after the first run; all of them when none was. */
  private List<OpenDescriptor> firstRunsDescriptors(List<OpenDescriptor> all) {
    List<OpenDescriptor> first =
        all.stream().filter(o -> descriptors.contains(Diff.key(o.descriptor()))).toList();
    return first.isEmpty() ? all : first;
  }
}
