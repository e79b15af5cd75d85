package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.noleaks.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A heap leak says what holds it: the path from a static field (or GC root) to the instances of the
 * classes that grew, read from a real heap dump with shark.
 */
class HeapPathsTest {

  /** 1,000 sessions of 1 KB per run: 1 MB, above the 512 KB tolerance. */
  static final int SESSIONS_PER_RUN = 1_000;

  record Session(int id, byte[] state) {}

  static final Map<Integer, Session> SESSIONS = new HashMap<>();
  static final List<byte[]> BLOCKS = new ArrayList<>();
  static final List<java.nio.ByteBuffer> OPENED_IN_SET_UP = new ArrayList<>();

  @AfterEach
  void release() {
    SESSIONS.clear();
    BLOCKS.clear();
    OPENED_IN_SET_UP.forEach(TestKit::free);
    OPENED_IN_SET_UP.clear();
  }

  /** Its set-up keeps a buffer, once: there after the first run, so two dumps see nothing gain. */
  @NoLeaks(checks = Check.BUFFERS)
  static class KeepsABufferInItsSetUp {
    @org.junit.jupiter.api.BeforeEach
    void open() {
      OPENED_IN_SET_UP.add(java.nio.ByteBuffer.allocateDirect(4096));
    }

    @Test
    void test() {}
  }

  @Test
  void aLeakThatCameBeforeTheSecondRunIsNamedAmongTheCodesOwnPaths() {
    // Among the code's own paths alike in size: a Netty static buffer, when a Netty test ran
    // before.
    assertThat(failureOf(KeepsABufferInItsSetUp.class))
        .hasMessageContaining(
            "static HeapPathsTest.OPENED_IN_SET_UP → ArrayList[i] → DirectByteBuffer (1 instance)")
        .hasMessageNotContaining("PerfCounter")
        .hasMessageNotContaining("a second run can");
  }

  @NoLeaks(checks = Check.HEAP)
  static class KeepsSessions {
    @Test
    void test() {
      int first = SESSIONS.size();
      for (int i = 0; i < SESSIONS_PER_RUN; i++) {
        SESSIONS.put(first + i, new Session(first + i, new byte[1024]));
      }
    }
  }

  @NoLeaks(checks = Check.HEAP)
  static class KeepsBlocks {
    @Test
    void test() {
      for (int i = 0; i < 1_000; i++) {
        BLOCKS.add(new byte[1024]);
      }
    }
  }

  @NoLeaks(checks = Check.HEAP, repeat = 20)
  static class KeepsASessionPerRun {
    @Test
    void test() {
      SESSIONS.put(SESSIONS.size(), new Session(SESSIONS.size(), new byte[64]));
    }
  }

  @Test
  void aHeapTrendNamesTheStaticFieldThatHoldsWhatEachRunKept() {
    assertThat(failureOf(KeepsASessionPerRun.class))
        .hasMessageContaining(
            "held by static HeapPathsTest.SESSIONS → HashMap[…] → HeapPathsTest$Session (");
  }

  @Test
  void aHeapLeakNamesTheStaticFieldThatHoldsItsInstances() {
    assertThat(failureOf(KeepsSessions.class))
        .hasMessageContaining(
            "held by static HeapPathsTest.SESSIONS → HashMap[…] → HeapPathsTest$Session (2,000 of"
                + " them, 1,000 more than after the first run)");
  }

  @Test
  void growthOfAJdkClassIsFollowedFromTheCodesStaticField() {
    assertThat(failureOf(KeepsBlocks.class))
        .hasMessageContaining(
            "held by static HeapPathsTest.BLOCKS → ArrayList[i] → byte[] (2,000 of them, 1,000 more"
                + " than after the first run)");
  }

  /** An earlier test's leak, of the same shape and size, stays where it was. */
  static final List<Session> EARLIER = new ArrayList<>();

  static final List<Session> LATER = new ArrayList<>();

  @NoLeaks(checks = Check.HEAP)
  static class KeepsSessionsInALaterList {
    @Test
    void test() {
      for (int i = 0; i < SESSIONS_PER_RUN; i++) {
        LATER.add(new Session(i, new byte[1024]));
      }
    }
  }

  @Test
  void theNewInstancesAreToldFromAnEarlierLeakOfTheSameShape() {
    for (int i = 0; i < 2 * SESSIONS_PER_RUN; i++) {
      EARLIER.add(new Session(i, new byte[1024]));
    }
    try {
      assertThat(failureOf(KeepsSessionsInALaterList.class))
          .hasMessageContaining("held by static HeapPathsTest.LATER → ArrayList[i]")
          .hasMessageNotContaining("EARLIER");
    } finally {
      EARLIER.clear();
      LATER.clear();
    }
  }

  @Test
  void withOneDumpTwoHoldersAlikeInSizeAreBothShown() {
    for (int i = 0; i < SESSIONS_PER_RUN; i++) {
      EARLIER.add(new Session(i, new byte[1024]));
    }
    try {
      assertThat(failureOf(KeepsSessionsInALaterList.class, "noleaks.rerun", "never"))
          .hasMessageContaining("held by one of these, alike in size")
          .hasMessageContaining(
              "  static HeapPathsTest.LATER → ArrayList[i] → HeapPathsTest$Session")
          .hasMessageContaining(
              "  static HeapPathsTest.EARLIER → ArrayList[i] → HeapPathsTest$Session");
    } finally {
      EARLIER.clear();
      LATER.clear();
    }
  }

  @Test
  void noDumpWhenTheSettingSaysNever() {
    assertThat(failureOf(KeepsSessions.class, "noleaks.heap.dump", "never"))
        .hasMessageContaining("heap grew")
        .hasMessageNotContaining("held by")
        .hasMessageNotContaining("what holds it");
  }

  @Test
  void aKeptDumpIsInAnOwnerOnlyDirectoryAndNamedInTheMessage() throws Exception {
    String message = failureOf(KeepsSessions.class, "noleaks.heap.dump", "keep").getMessage();
    Matcher kept = Pattern.compile("heap dump kept: (\\S+\\.hprof)").matcher(message);
    assertThat(kept.find()).as(message).isTrue();
    Path dump = Path.of(kept.group(1));
    try {
      assertThat(dump).exists().hasParentRaw(Path.of("target", "noleaks").toAbsolutePath());
      assertThat(Files.getPosixFilePermissions(dump.getParent()))
          .containsExactlyInAnyOrder(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE);
    } finally {
      Files.deleteIfExists(dump);
    }
  }

  @Test
  void aDumpNotKeptIsDeleted() throws Exception {
    Path directory = Path.of("target", "noleaks");
    List<Path> before = listed(directory);
    failureOf(KeepsSessions.class);
    assertThat(listed(directory)).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void aBadSettingNamesTheKeyTheValueAndTheAcceptedForm() {
    assertThat(failureOf(KeepsSessions.class, "noleaks.heap.dump", "always"))
        .hasMessageContaining("noleaks.heap.dump: \"always\" is not valid; expected on-leak");
  }

  private static List<Path> listed(Path directory) throws Exception {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (var files = Files.list(directory)) {
      return files.toList();
    }
  }
}
