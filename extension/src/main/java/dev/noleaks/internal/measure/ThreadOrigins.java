package dev.noleaks.internal.measure;

import dev.noleaks.JavaThread;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which code made each thread, without an agent: an inheritable thread-local whose value the JDK
 * copies, in the parent thread, into every thread that thread constructs. The thread running a
 * check carries the check as its {@link Owner}; a thread constructed while it does records that
 * owner, its own type and the stack of its construction, and passes the owner on to the threads it
 * constructs in turn. A check can then tell the threads its own code made (a leak, and where it was
 * made) from threads that threads of an earlier test or of a class set-up made while it ran: a
 * static server's event loops started one by one as connections arrive, a shared pool's worker
 * threads. Those are that earlier code's growth, reported as such, not this check's leak.
 *
 * <p>A thread's own thread-local cannot be read from another thread, so a leaked thread is matched
 * to the makings of its type still alive (a thread's value goes when it ends, and the record of its
 * making with the next GC): a leaked thread is taken for another owner's growth only when no thread
 * of its type that the check's code made is alive and at least as many of that type that other
 * owners' threads made are. A thread constructed without inheriting thread-locals (the JDK's {@code
 * InnocuousThread}s, {@code new Thread(…, false)}) records nothing, so it stays the check's:
 * unknown is never excused. Virtual threads are not recorded (they are not checked).
 */
public final class ThreadOrigins {

  /** Whose code a thread runs: a check, or the code around the checks of a class. */
  public static final class Owner {
    private final String name;
    private final boolean records;

    /** An owner whose threads' makings are recorded. */
    public Owner(String name) {
      this(name, true);
    }

    /**
     * An owner; with {@code records} false its code's threads inherit it but nothing is recorded of
     * their making (repeated mode: its trend is judged to 8 B a run, and a record per thread showed
     * there as +32 B a run in a full build).
     */
    public Owner(String name, boolean records) {
      this.name = name;
      this.records = records;
    }

    public String name() {
      return name;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * Where a thread came from.
   *
   * @param owner the owner of the thread that constructed it
   * @param madeBy the name of that thread
   * @param stack the stack of the construction, from the caller of the thread's constructor
   */
  public record Origin(
      Owner owner, String madeBy, List<StackTraceElement> stack, List<StackTraceElement> sites) {
    public Origin {
      stack = List.copyOf(stack);
      sites = List.copyOf(sites);
    }

    /** Whether the thread was made at one known line ({@link #stack} is its construction). */
    public boolean certain() {
      return sites.size() <= 1;
    }
  }

  /** At most this many lines are named as where a thread may have been made. */
  static final int MAX_SITES = 4;

  /**
   * What a check's leaked threads were, by origin.
   *
   * @param grownByOthers leaked threads that threads of other owners made (not the check's leak)
   * @param others the owners those threads came from, as named
   * @param madeAt where the check's code made a leaked thread, by thread id, when that is certain
   */
  public record Attribution(
      List<JavaThread> grownByOthers, List<String> others, Map<Long, Origin> madeAt) {
    public static final Attribution NONE = new Attribution(List.of(), List.of(), Map.of());

    public Attribution {
      grownByOthers = List.copyOf(grownByOthers);
      others = List.copyOf(others);
      madeAt = Map.copyOf(madeAt);
    }
  }

  /**
   * A check's own threads: those its owners' code made since it began.
   *
   * @param own the check's owners (its runs)
   * @param since {@link #now} when it began
   */
  public record Scope(Set<Owner> own, long since) {
    public static final Scope NONE = new Scope(Set.of(), Long.MAX_VALUE);

    public Scope {
      own = Set.copyOf(own);
    }

    /**
     * Where the check's code made {@code threads}, when that is certain: read while they are alive,
     * since a thread's making goes with it.
     */
    public Map<Long, Origin> madeAt(List<JavaThread> threads) {
      return own.isEmpty() ? Map.of() : of(own, since, threads).madeAt();
    }
  }

  /** One thread's making, held by that thread's thread-local map for as long as it runs. */
  private static final class Making {
    final Owner owner;
    final String type;
    final String madeBy;
    final Throwable site;
    final long sequence;

    Making(Owner owner, String type, String madeBy, Throwable site, long sequence) {
      this.owner = owner;
      this.type = type;
      this.madeBy = madeBy;
      this.site = site;
      this.sequence = sequence;
    }
  }

  /**
   * The last makings, weakly, in a ring: its memory is fixed (36 KB, so a check whose code makes
   * thousands of short-lived threads keeps nothing more of them), and a check during which more
   * threads were made than it holds excuses nothing.
   */
  static final int REMEMBERED = 1024;

  private static final AtomicLong SEQUENCE = new AtomicLong();
  private static final AtomicReferenceArray<WeakReference<Making>> MADE = emptyRing();

  /**
   * Every slot holds a reference from the start, so that recording a making replaces one object
   * with another of the same size: a ring that filled up as threads were made grew the heap by 32 B
   * per thread, which repeated mode took for a leak of a body that starts and joins a thread.
   */
  private static AtomicReferenceArray<WeakReference<Making>> emptyRing() {
    AtomicReferenceArray<WeakReference<Making>> ring = new AtomicReferenceArray<>(REMEMBERED);
    for (int i = 0; i < REMEMBERED; i++) {
      ring.set(i, new WeakReference<>(null));
    }
    return ring;
  }

  /** Code outside any check and class: what it makes is known not to be a check's. */
  private static final Owner OUTSIDE = new Owner("code outside any test");

  private static final InheritableThreadLocal<Making> CURRENT =
      new InheritableThreadLocal<>() {
        @Override
        protected Making childValue(Making parent) {
          try {
            if (!parent.owner.records) {
              return parent;
            }
            String type = typeBeingConstructed();
            if (type == null) {
              return parent;
            }
            long sequence = SEQUENCE.incrementAndGet();
            Making child =
                new Making(
                    parent.owner,
                    type,
                    Thread.currentThread().getName(),
                    new Throwable(),
                    sequence);
            MADE.set((int) (sequence % REMEMBERED), new WeakReference<>(child));
            return child;
          } catch (RuntimeException | LinkageError e) {
            return parent; // never fail the construction of a thread
          }
        }
      };

  private static final StackWalker WALKER =
      StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

  private ThreadOrigins() {}

  /**
   * The current thread's code is {@code owner}'s from now on: the threads it makes, and the threads
   * those make. Returns what to restore with {@link #restore}.
   */
  public static Object enter(Owner owner) {
    Making previous = CURRENT.get();
    CURRENT.set(new Making(owner, null, Thread.currentThread().getName(), null, 0));
    return previous == null ? new Making(OUTSIDE, null, "", null, 0) : previous;
  }

  /** Gives the current thread back to the owner {@link #enter} returned. */
  public static void restore(Object previous) {
    CURRENT.set((Making) previous);
  }

  /** A point in the sequence of makings: those after it are made later. */
  public static long now() {
    return SEQUENCE.get();
  }

  /**
   * Which of {@code leaked} the threads of owners other than {@code own} made since {@code since},
   * and where {@code own}'s code made the others when that is certain. Call after a full GC, so
   * that the makings of threads that have ended are gone.
   */
  public static Attribution of(Set<Owner> own, long since, List<JavaThread> leaked) {
    long last = SEQUENCE.get();
    if (leaked.isEmpty() || last - since > REMEMBERED) {
      return Attribution.NONE; // more made than remembered: nothing is known for certain
    }
    Map<String, List<Making>> mine = new LinkedHashMap<>();
    Map<String, List<Making>> others = new LinkedHashMap<>();
    for (long sequence = since + 1; sequence <= last; sequence++) {
      WeakReference<Making> ref = MADE.get((int) (sequence % REMEMBERED));
      Making m = ref.get();
      if (m != null && m.sequence == sequence) {
        (own.contains(m.owner) ? mine : others)
            .computeIfAbsent(m.type, k -> new ArrayList<>())
            .add(m);
      }
    }
    Map<String, List<JavaThread>> byType = new LinkedHashMap<>();
    leaked.forEach(t -> byType.computeIfAbsent(t.type(), k -> new ArrayList<>()).add(t));
    List<JavaThread> grown = new ArrayList<>();
    Set<String> otherOwners = new java.util.LinkedHashSet<>();
    Map<Long, Origin> madeAt = new LinkedHashMap<>();
    byType.forEach(
        (type, threads) -> {
          List<Making> ours = mine.getOrDefault(type, List.of());
          List<Making> theirs = others.getOrDefault(type, List.of());
          if (ours.isEmpty() && theirs.size() >= threads.size()) {
            grown.addAll(threads);
            theirs.forEach(m -> otherOwners.add(m.owner.name()));
          } else if (theirs.isEmpty() && ours.size() >= threads.size()) {
            oneSite(ours).ifPresent(o -> threads.forEach(t -> madeAt.put(t.id(), o)));
          }
        });
    return new Attribution(grown, List.copyOf(otherOwners), madeAt);
  }

  /**
   * Where these makings were, by the first frame outside the JDK of each (the line of the code that
   * made them, or that handed a pool the work that made them; the frames below it differ between a
   * test's first and second run): one line, or up to {@link #MAX_SITES} when a pool's threads were
   * made by work handed to it on different lines, all by one thread. Empty otherwise.
   */
  private static Optional<Origin> oneSite(List<Making> makings) {
    Set<StackTraceElement> sites = new java.util.LinkedHashSet<>();
    Set<String> makers = new HashSet<>();
    List<StackTraceElement> first = null;
    for (Making m : makings) {
      List<StackTraceElement> stack = construction(m.site.getStackTrace(), m.type);
      stack.stream().filter(e -> !isJdk(e.getClassName())).findFirst().ifPresent(sites::add);
      makers.add(m.madeBy);
      if (first == null) {
        first = stack;
      }
    }
    if (sites.isEmpty() || sites.size() > MAX_SITES || makers.size() > 1) {
      return Optional.empty();
    }
    Making m = makings.get(0);
    return Optional.of(new Origin(m.owner, m.madeBy, first, List.copyOf(sites)));
  }

  /** Whether a class is the JDK's, whose frames say nothing of which code did it. */
  public static boolean isJdk(String className) {
    return className.startsWith("java.")
        || className.startsWith("javax.")
        || className.startsWith("jdk.")
        || className.startsWith("sun.")
        || className.startsWith("com.sun.");
  }

  /**
   * The frames below the constructors of a thread of {@code type}: who constructed it. The
   * constructors run from {@code Thread}'s down to {@code type}'s, one after the other.
   */
  static List<StackTraceElement> construction(StackTraceElement[] stack, String type) {
    int i = 0;
    while (i < stack.length && !isConstructorOf(stack[i], "java.lang.Thread")) {
      i++; // this class and ThreadLocal's copying of the map
    }
    int end = i;
    for (int j = i; j < stack.length && "<init>".equals(stack[j].getMethodName()); j++) {
      if (isConstructorOf(stack[j], type) || isConstructorOf(stack[j], "java.lang.Thread")) {
        end = j + 1;
      }
    }
    return Arrays.asList(stack).subList(Math.min(end, stack.length), stack.length);
  }

  private static boolean isConstructorOf(StackTraceElement e, String type) {
    return "<init>".equals(e.getMethodName()) && e.getClassName().equals(type);
  }

  /**
   * The type of the thread being constructed, from the stack: the outermost of the constructors
   * that run {@code Thread}'s. Null for a virtual thread, or when the stack does not show one.
   */
  private static String typeBeingConstructed() {
    return WALKER.walk(
        frames -> {
          Class<?> type = null;
          for (var it = frames.iterator(); it.hasNext(); ) {
            StackWalker.StackFrame f = it.next();
            boolean constructor =
                "<init>".equals(f.getMethodName())
                    && Thread.class.isAssignableFrom(f.getDeclaringClass());
            if (constructor) {
              type = f.getDeclaringClass();
            } else if (type != null) {
              break;
            }
          }
          if (type == null || type.getName().startsWith("java.lang.") && type != Thread.class) {
            return null; // VirtualThread, BaseVirtualThread
          }
          return type.getName();
        });
  }
}
