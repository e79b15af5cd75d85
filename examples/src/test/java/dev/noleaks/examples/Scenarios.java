package dev.noleaks.examples;

import static dev.noleaks.examples.Scenario.leak;

import java.util.List;

/**
 * Every failure mode the examples show: the one list that the demo and {@link ExamplesTest} run.
 */
final class Scenarios {

  private Scenarios() {}

  /**
   * Where a leaked descriptor was opened, which its finding says when the NoLeaks agent runs (the
   * examples' build runs them with it): {@code … opened by thread "main" at …}.
   */
  private static final String OPENED_BY = " opened by thread \"";

  /** Where a leaked thread was made: {@code made by thread "main" at …}. */
  private static final String MADE_BY = "made by thread \"main\" at dev.noleaks.examples.";

  private static String openedIn(String method) {
    return "\" at " + HandlesExample.class.getName() + "." + method + "(HandlesExample.java:";
  }

  static final List<Scenario> ALL =
      List.of(
          new Scenario(
              "Native memory never freed (LocalAlloc without LocalFree)",
              NativeMemoryExample.class,
              leak("leakyMallocNeverFreed", "native memory grew"),
              leak("leakyMallocEveryRun", "native memory grew"),
              leak("leakyMemoryKeptInStaticList", "native memory grew"),
              leak("leakyMallocEveryCallFluent", "native memory grew")),
          new Scenario(
              "Handles never closed (CreateFile without CloseHandle)",
              HandlesExample.class,
              leak(
                  "leakyFileInputStream",
                  "file descriptor",
                  "/orders.csv (file)" + OPENED_BY,
                  openedIn("leakyFileInputStream")),
              leak(
                  "leakyStreamLeftToTheGarbageCollector",
                  "never closed, released only when the garbage collector ran",
                  "/orders.csv (file)" + OPENED_BY,
                  openedIn("leakyStreamLeftToTheGarbageCollector")),
              leak(
                  "leakyRandomAccessFile",
                  "file descriptor",
                  "/index.dat (file)" + OPENED_BY,
                  openedIn("leakyRandomAccessFile")),
              leak(
                  "leakyFileChannel",
                  "file descriptor",
                  "/orders.csv (file)" + OPENED_BY,
                  openedIn("leakyFileChannel")),
              leak(
                  "leakySocket", "file descriptor", "socket:[", OPENED_BY, openedIn("leakySocket")),
              leak(
                  "leakyFileInputStreamSnapshots",
                  "file descriptor",
                  "/orders.csv (file)" + OPENED_BY,
                  openedIn("leakyFileInputStreamSnapshots"))),
          new Scenario(
              "Cache that grows without bound",
              CacheExample.class,
              leak(
                  "leakyUnboundedCache",
                  "heap grew",
                  "byte[]",
                  "held by static CacheExample.UNBOUNDED → HashMap[key] → CacheExample$Document")),
          new Scenario(
              "Listener registered and never removed",
              ListenerExample.class,
              leak(
                  "leakyListenerKeepsItsViewAlive",
                  "heap grew",
                  "held by static ListenerExample.FEED → ListenerExample$PriceFeed.listeners →",
                  "→ double[]"),
              leak(
                  "leakyListenerEveryRun",
                  "heap grew",
                  "held by static ListenerExample.FEED → ListenerExample$PriceFeed.listeners →")),
          new Scenario(
              "Threads started and never stopped",
              ThreadsExample.class,
              leak(
                  "leakyThreadNeverStopped",
                  "leaked",
                  "\"metrics-poller\"",
                  MADE_BY + "ThreadsExample.startPoller(ThreadsExample.java:"),
              leak(
                  "leakyExecutorNeverShutDown",
                  "leaked",
                  "\"pool-",
                  "-thread-2\"",
                  "made by thread \"main\" at one of: dev.noleaks.examples.ThreadsExample"
                      + ".computeReport("),
              leak(
                  "leakyTimerNeverCancelled",
                  "1 thread never stopped, ended only when the garbage collector ran: \"Timer-",
                  MADE_BY + "ThreadsExample.leakyTimerNeverCancelled(ThreadsExample.java:",
                  "Timer.cancel()"),
              leak(
                  "leakyExecutorLeftToTheGarbageCollector",
                  "1 thread never stopped, ended only when the garbage collector ran: \"pool-",
                  MADE_BY
                      + "ThreadsExample.leakyExecutorLeftToTheGarbageCollector(ThreadsExample.java:",
                  "ExecutorService.shutdown()"),
              leak(
                  "leakyThreadNeverStoppedFluent",
                  "leaked",
                  "\"metrics-poller\"",
                  MADE_BY + "ThreadsExample.startPoller(ThreadsExample.java:")),
          new Scenario(
              "Pooled objects never returned",
              PoolExample.class,
              leak("leakyBlocksNeverReturned", "native memory grew")),
          new Scenario(
              "Module loaded and never unloaded (URLClassLoader)",
              ClassLoaderExample.class,
              leak(
                  "leakyLoaderNeverClosed",
                  "file descriptor",
                  "/greeting-plugin.jar (file)" + OPENED_BY,
                  "\" at dev.noleaks.examples.ClassLoaderExample."),
              leak(
                  "leakyLoaderNeverUnloaded",
                  "URLClassLoader",
                  "cleared by garbage collection",
                  "held by static ClassLoaderExample.PLUGINS → HashMap[\"greeting-2\"] →"
                      + " URLClassLoader (1 instance)")),
          new Scenario(
              "Memory-mapped file kept mapped",
              MappedFileExample.class,
              leak(
                  "leakyMappingKeptInStaticList",
                  "mapped buffer leaked",
                  "held by static MappedFileExample.INDEXES → ArrayList[i] → DirectByteBufferR")),
          new Scenario(
              "Direct buffer kept in a static field",
              DirectBufferExample.class,
              leak(
                  "leakyDirectBufferKeptInStaticList",
                  "direct buffer leaked",
                  "held by static DirectBufferExample.SCRATCH → ArrayList[i] → DirectByteBuffer"),
              leak(
                  "leakyDirectBufferKeptInStaticListFluent",
                  "direct buffer leaked",
                  "held by static DirectBufferExample.SPARE → ArrayList[i] → DirectByteBuffer")),
          new Scenario(
              "Reference cycles (not a leak on the JVM)",
              ReferenceCycleExample.class,
              leak(
                  "leakyCyclesReachableFromStaticField",
                  "heap grew",
                  "ReferenceCycleExample$Node",
                  "held by static ReferenceCycleExample.DEBUG_ROOTS → ArrayList[i] →"
                      + " ReferenceCycleExample$Node")),
          new Scenario(
              "Native heap fragmentation (memory pools)",
              FragmentationExample.class,
              leak("leakyInterleavedAllocationsFragmentTheHeap", "native fragmentation")),
          new Scenario(
              "Building a large list instead of streaming",
              StreamingExample.class,
              leak("leakyLoopBuildsTheWholeList", "to allocate at most 1 MB")));
}
